# Man pages: one per docs/man/<page>.txt (sweep.txt, sweep-run.txt, ...);
# `sweep __man` fails when a subcommand has no text, so a new subcommand
# cannot ship without its page. Written gzipped too (gzip -9n: Debian's
# policy, reproducible), which is what is installed.
file(GLOB SWEEP_MAN_TEXTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/man/*.txt)
set(SWEEP_MAN_DIR ${CMAKE_CURRENT_BINARY_DIR}/man)
set(SWEEP_MAN_PAGES)
foreach(text ${SWEEP_MAN_TEXTS})
  get_filename_component(page ${text} NAME_WE)
  list(APPEND SWEEP_MAN_PAGES ${SWEEP_MAN_DIR}/${page}.1)
endforeach()
list(TRANSFORM SWEEP_MAN_PAGES APPEND .gz OUTPUT_VARIABLE SWEEP_MAN_GZ)
add_custom_command(OUTPUT ${SWEEP_MAN_PAGES} ${SWEEP_MAN_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SWEEP_MAN_DIR}
  COMMAND sweep __man ${CMAKE_CURRENT_SOURCE_DIR}/docs/man ${SWEEP_MAN_DIR}
  COMMAND gzip -9nkf ${SWEEP_MAN_PAGES}
  DEPENDS sweep ${SWEEP_MAN_TEXTS}
  COMMENT "man pages from sweep's options and docs/man"
  VERBATIM)

# Completion scripts: `sweep completion SHELL`, under each shell's name for
# them, in the directory each shell's package reads vendor completions from.
set(SWEEP_COMPLETION_DIR ${CMAKE_CURRENT_BINARY_DIR}/completions)
set(SWEEP_COMPLETIONS)
foreach(entry "bash;sweep;bash-completion/completions"
              "zsh;_sweep;zsh/vendor-completions"
              "fish;sweep.fish;fish/vendor_completions.d")
  list(GET entry 0 shell)
  list(GET entry 1 file)
  list(GET entry 2 dir)
  set(out ${SWEEP_COMPLETION_DIR}/${shell}/${file})
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${SWEEP_COMPLETION_DIR}/${shell}
    COMMAND sh -c "\"$1\" completion ${shell} > \"$2\"" sh $<TARGET_FILE:sweep> ${out}
    DEPENDS sweep
    COMMENT "${shell} completion script"
    VERBATIM)
  list(APPEND SWEEP_COMPLETIONS ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_DATADIR}/${dir} COMPONENT cli)
endforeach()

add_custom_target(sweep_generated_docs ALL DEPENDS ${SWEEP_MAN_PAGES} ${SWEEP_COMPLETIONS})
install(FILES ${SWEEP_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
