# `make package` (cpack -G DEB): two Debian packages from the install rules'
# components. sweep: the CLI, its man pages and completions; sweep-dev: the
# library, public headers, CMake package and pkg-config file. Both carry
# /usr/share/doc/<package>/{copyright,changelog.gz} (packaging/), as
# Debian's policy (and lintian) asks of every package; changelog.gz, not
# changelog.Debian.gz, since the version has no Debian revision (a native
# package).
set(SWEEP_DEB_DOC ${CMAKE_CURRENT_BINARY_DIR}/packaging)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/packaging/changelog
               ${SWEEP_DEB_DOC}/changelog @ONLY)
add_custom_command(OUTPUT ${SWEEP_DEB_DOC}/changelog.gz
  COMMAND gzip -9nkf ${SWEEP_DEB_DOC}/changelog
  DEPENDS ${SWEEP_DEB_DOC}/changelog
  VERBATIM)
add_custom_target(sweep_deb_changelog ALL DEPENDS ${SWEEP_DEB_DOC}/changelog.gz)
foreach(component cli dev)
  set(package sweep)
  if(component STREQUAL "dev")
    set(package sweep-dev)
  endif()
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/packaging/copyright
                ${SWEEP_DEB_DOC}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/sweep COMPONENT cli)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sweep)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sweep maintainers <maintainers@users.noreply.r-seed-5df0b44f.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Depends: from the shared libraries the binary links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME sweep)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "run a command over a grid of parameters, in parallel
sweep runs a program once per point of a parameter grid, N jobs at once,
and turns everything the runs print into one JSON Lines stream with a
statistics report. It resumes interrupted sweeps, splits data into
batches, merges shards, runs on Slurm, and reports which parameters were
best.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME sweep-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The CMake package and the pkg-config file require simdjson and PCRE2.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libsimdjson-dev, libpcre2-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "C++ library of sweep: parameter grids, in-process and command sweeps
The static library libsweep.a with its public headers, a CMake package
(find_package(sweep), target sweep::sweep) and a pkg-config file: grids,
evaluation of a function over a grid on a thread pool, command sweeps
and the records they write.")
# CPack indents each line of the descriptions for the control file itself.
include(CPack)
