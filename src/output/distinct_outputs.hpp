#pragma once

#include <string>
#include <vector>

namespace sweep {

/// A file a run writes, and the flag that named it (for messages).
struct NamedOutput {
  std::string flag;  ///< As the user knows it: "-o", "--journal", ...
  std::string path;
};

/// Refuses two outputs that are the same file (two writers would interleave,
/// or one truncate the other), and an output inside results_dir (if not
/// empty) where --results puts a job's directory or writes a job's files.
/// Throws Error naming both flags. Files are compared by device and inode:
/// of the file if it exists, else of its directory, plus its name; links
/// are followed as open(2) would. Nothing is opened or created, so call it
/// before any output is opened and a refusal changes nothing. Character
/// devices (a terminal, /dev/null) may be shared; a path that cannot be
/// resolved is left for its opening to report.
void check_distinct_outputs(const std::vector<NamedOutput>& outputs,
                            const std::string& results_dir);

/// Refuses an output that is one of the files a command reads (merging
/// streams into one of them would truncate it before it is read), and two
/// outputs that are the same file. Compared as above; throws Error naming
/// the flag and the input.
void check_outputs_not_inputs(const std::vector<NamedOutput>& outputs,
                              const std::vector<std::string>& inputs);

}  // namespace sweep
