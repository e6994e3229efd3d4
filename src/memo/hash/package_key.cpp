#include "memo/hash/package_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "memo/hash/digest_cache.hpp"
#include "memo/hash/file_digest.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/hash/manifest.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"
#include "memo/util/parallel.hpp"

namespace memo::hash {

std::string package_path_in_repo(const config::Config& config) {
  std::string relative = config.package_root.lexically_relative(config.repo_root).generic_string();
  return relative.empty() ? "." : relative;
}

namespace {

std::expected<GlobSet, std::string> compile_setting(
    const std::vector<std::string>& globs, const char* setting,
    LeadingSlash leading_slash = LeadingSlash::kError) {
  auto compiled = GlobSet::compile(globs, leading_slash);
  if (!compiled) return std::unexpected(std::string(setting) + ": " + compiled.error());
  return compiled;
}

// The index shortcut for files below `root`, when git's index covers that folder.
IndexShortcut shortcut_for(const GitIndex* index, const fs::path& root) {
  if (!index) return {};
  std::string prefix = root.lexically_relative(index->work_tree()).generic_string();
  if (prefix.empty() || prefix.starts_with("..")) return {};
  return {index, prefix == "." ? "" : prefix + "/"};
}

// git's index, read the first time a walk needs it: packages memo's own digest records cover
// need no index at all.
class LazyIndex {
 public:
  LazyIndex(fs::path repo_root, std::vector<fs::path> folders)
      : repo_root_(std::move(repo_root)), folders_(std::move(folders)) {}
  const GitIndex* get() {
    std::call_once(once_, [this] {
      auto loaded = GitIndex::load_for(repo_root_, folders_);
      if (loaded) {
        index_ = std::move(*loaded);
      } else {
        util::Log::verbose("git's index not used, every file is read: " + loaded.error());
      }
    });
    return index_ ? &*index_ : nullptr;
  }

 private:
  fs::path repo_root_;
  std::vector<fs::path> folders_;
  std::once_flag once_;
  std::optional<GitIndex> index_;
};

void add_to_manifest(KeyManifest& manifest, std::string_view kind, const std::string& prefix,
                     const std::vector<FileDigest>& digests) {
  std::string lines;
  for (const auto& file : digests) {
    append_manifest_line(
        lines, kind,
        {prefix.empty() ? file.path : prefix + "/" + file.path, file.mode, file.blob_id});
  }
  manifest.add_lines(std::move(lines));
}

// Adds the files of a walk to the manifest; returns how many it added.
std::expected<std::size_t, std::string> add_files(KeyManifest& manifest, std::string_view kind,
                                                  const fs::path& root, const std::string& prefix,
                                                  const WalkOptions& options, LazyIndex& index) {
  auto files = walk_files(root, options);
  if (!files) return std::unexpected(files.error());
  auto digests = digest_files(root, *files, shortcut_for(index.get(), root));
  if (!digests) return std::unexpected(digests.error());
  add_to_manifest(manifest, kind, prefix, *digests);
  return digests->size();
}

// Where memo keeps the digest record of a package walked with these settings: any change to
// what the walk selects or how its lines read (the repo root, globs, nested packages, memo's
// own folders, memo's version) is another record.
fs::path record_path(const fs::path& records_folder, const config::Config& config,
                     const PackageSources& package, const WalkOptions& walk) {
  std::string settings = std::string("memo ") + MEMO_VERSION + " " +
                         std::to_string(kKeyFormatVersion) + "\nrepo " + config.repo_root.string() +
                         "\npackage " + package.root.string() + "\n";
  for (const auto& glob : package.hash_globs) settings += "hash " + glob + "\n";
  for (const auto& glob : package.output_glob) settings += "output " + glob + "\n";
  for (const auto& folder : walk.skip_folders) settings += "skip " + folder.string() + "\n";
  settings += walk.skip_tsbuildinfo ? "tsbuildinfo skipped\n" : "tsbuildinfo kept\n";
  return records_folder / util::sha256_hex(settings);
}

struct DigestRecords {
  fs::path folder;  // memo's own cache of per-package digest records
  std::int64_t started_ns;
  std::atomic<std::size_t> reused{0};
};

// The rules of the .gitignore files from the repo root down to the package's parent, which
// apply in the package as they do for git; `trace`, when given, records each of them.
GitignoreRules ancestor_gitignore_rules(const config::Config& config, const PackageSources& package,
                                        WalkTrace* trace) {
  GitignoreRules rules;
  std::vector<fs::path> ancestors;  // repo root first
  for (fs::path dir = package.root; dir != config.repo_root && dir.has_relative_path();) {
    dir = dir.parent_path();
    ancestors.insert(ancestors.begin(), dir);
  }
  for (const auto& dir : ancestors) {
    fs::path file = dir / ".gitignore";
    if (trace) {
      struct stat info {};
      bool present = ::lstat(file.c_str(), &info) == 0;
      trace->complete = trace->complete && (present ? !S_ISLNK(info.st_mode) : errno == ENOENT);
      // By its absolute path, as read here: "../" from a package reached through a symlink
      // would name another folder.
      trace->gitignores.push_back({file.string(), present ? signature_of(info) : StatSignature{}});
    }
    if (auto text = util::read_file(file)) {
      rules.add_ancestor_file(package.root.lexically_relative(dir).generic_string(), *text);
    }
  }
  return rules;
}

// One package's part of the key: its files' lines, how many files, and the digest record to
// write when the package's record was missing or out of date.
// A package's files as a key sees them: their sorted `file` lines (shared by every key that
// covers the package, never copied), the lines' digest, and how many files.
struct PackageFiles {
  std::shared_ptr<const std::string> lines;
  std::string digest;
  std::size_t count = 0;
  std::optional<PendingRecord> pending;
};

PackageFiles package_files_of(const KeyManifest& lines, std::size_t count) {
  auto sorted = std::make_shared<const std::string>(lines.sorted_lines());
  std::string digest = util::sha256_hex(*sorted);
  return {std::move(sorted), std::move(digest), count, std::nullopt};
}

std::expected<PackageFiles, std::string> walk_package_files(
    const config::Config& config, const PackageSources& package, WalkOptions walk,
    const std::string& prefix, const fs::path& record_file, LazyIndex& index,
    DigestRecords& records);

}  // namespace

struct HashingSession::State {
  explicit State(fs::path repo_root) : index(std::move(repo_root), {}) {}

  // A package's files under one set of walk settings (its record file names them), kept once
  // found.
  struct Part {
    std::mutex mutex;
    std::optional<std::expected<PackageFiles, std::string>> files;
    bool computing = false;
    fs::path package_root;
  };

  // The part for `record_file`: the one kept, else computed here; the digest record to write
  // goes to the caller that computed it. A caller never waits for another's computation: the
  // pool's threads help with other work while they wait for their own (a walk's parallel_for),
  // and that work may be a key that needs the very part this thread is computing. While one
  // computes a part, another that needs it computes it too.
  template <typename Compute>
  std::expected<PackageFiles, std::string> package_files(const fs::path& record_file,
                                                         const fs::path& package_root,
                                                         Compute compute) {
    std::shared_ptr<Part> part;
    {
      std::lock_guard lock(mutex);
      auto& slot = parts[record_file];
      if (!slot) {
        slot = std::make_shared<Part>();
        slot->package_root = package_root;
      }
      part = slot;
    }
    bool keep = false;
    {
      std::lock_guard lock(part->mutex);
      if (part->files) {
        if (!*part->files) return std::unexpected(part->files->error());
        const PackageFiles& kept = **part->files;
        return PackageFiles{kept.lines, kept.digest, kept.count, std::nullopt};
      }
      keep = !part->computing;
      part->computing = true;
    }
    auto computed = compute();
    if (keep) {
      std::lock_guard lock(part->mutex);
      part->computing = false;
      if (computed) {
        part->files =
            PackageFiles{computed->lines, computed->digest, computed->count, std::nullopt};
      } else {
        part->files = std::unexpected(computed.error());
      }
    }
    return computed;
  }

  void forget(const fs::path& package_root) {
    std::lock_guard lock(mutex);
    std::erase_if(parts,
                  [&](const auto& item) { return item.second->package_root == package_root; });
  }

  LazyIndex index;  // every entry: the session hashes any package of the repo
  std::mutex mutex;
  std::map<fs::path, std::shared_ptr<Part>> parts;
};

namespace {

std::expected<PackageFiles, std::string> add_package_files(const config::Config& config,
                                                           const PackageSources& package,
                                                           LazyIndex& index, DigestRecords& records,
                                                           HashingSession::State* session) {
  std::optional<GlobSet> hash_globs;
  if (!package.hash_globs.empty()) {
    auto compiled = compile_setting(package.hash_globs, "hashGlobs");
    if (!compiled) return std::unexpected(package.name + ": " + compiled.error());
    hash_globs = std::move(*compiled);
  }
  auto outputs = compile_setting(package.output_glob, "outputGlob");
  if (!outputs) return std::unexpected(package.name + ": " + outputs.error());
  WalkOptions walk;
  walk.include = hash_globs ? &*hash_globs : nullptr;
  walk.exclude = &*outputs;
  walk.skip_tsbuildinfo = !hash_globs;
  walk.skip_folders = {config.internal_cache_folder, config.log_folder};
  walk.skip_folders.insert(walk.skip_folders.end(), package.nested_packages.begin(),
                           package.nested_packages.end());
  std::string prefix = package.root.lexically_relative(config.repo_root).generic_string();
  if (prefix == ".") prefix.clear();

  const fs::path record_file = record_path(records.folder, config, package, walk);
  if (session) {
    return session->package_files(record_file, package.root, [&] {
      return walk_package_files(config, package, walk, prefix, record_file, index, records);
    });
  }
  return walk_package_files(config, package, walk, prefix, record_file, index, records);
}

// The package's files, from its digest record when that is still good, else walked and
// digested.
std::expected<PackageFiles, std::string> walk_package_files(
    const config::Config& config, const PackageSources& package, WalkOptions walk,
    const std::string& prefix, const fs::path& record_file, LazyIndex& index,
    DigestRecords& records) {
  if (auto record = read_record(record_file, package.root)) {
    // A folder listed again gets the rules in force there: those from above the package,
    // then each .gitignore from the package root down to it, its own included.
    std::optional<GitignoreRules> above;  // read the first time a folder is listed again
    auto relist = [&](const std::string& folder) {
      if (!above) above = ancestor_gitignore_rules(config, package, nullptr);
      GitignoreRules rules = *above;
      auto add = [&](const std::string& base) {
        fs::path file = (base.empty() ? package.root : package.root / base) / ".gitignore";
        if (auto text = util::read_file_at(AT_FDCWD, file.c_str())) rules.add_file(base, *text);
      };
      add("");
      for (std::size_t slash = folder.find('/'); slash != std::string::npos;
           slash = folder.find('/', slash + 1)) {
        add(folder.substr(0, slash));
      }
      if (!folder.empty()) add(folder);
      WalkOptions options = walk;
      options.gitignore = &rules;
      return list_folder(package.root, folder, options);
    };
    auto check = reuse_record(package.root, prefix, records.started_ns, *record, relist);
    if (check != RecordCheck::kStale) {
      KeyManifest lines;
      lines.add_lines(manifest_lines(*record));
      PackageFiles result = package_files_of(lines, record->files.size());
      if (check == RecordCheck::kUpdated) {
        result.pending = PendingRecord{record_file, package.root, std::move(*record)};
      }
      ++records.reused;
      return result;
    }
  }

  WalkTrace trace;
  GitignoreRules gitignore = ancestor_gitignore_rules(config, package, &trace);
  walk.gitignore = &gitignore;
  walk.trace = &trace;
  auto files = walk_files(package.root, walk);
  if (!files) return std::unexpected(files.error());
  auto digests = digest_files(package.root, *files, shortcut_for(index.get(), package.root));
  if (!digests) return std::unexpected(digests.error());
  KeyManifest lines;
  auto record = make_record(records.started_ns, trace, *digests, prefix);
  if (record) {
    lines.add_lines(manifest_lines(*record));
  } else {
    add_to_manifest(lines, "file", prefix, *digests);
  }
  PackageFiles result = package_files_of(lines, digests->size());
  // Only a speed-up: a record that cannot be written is walked for again next time.
  if (record) result.pending = PendingRecord{record_file, package.root, std::move(*record)};
  return result;
}

}  // namespace

HashingSession::HashingSession(fs::path repo_root)
    : state_(std::make_unique<State>(std::move(repo_root))) {}
HashingSession::~HashingSession() = default;

void HashingSession::forget(const fs::path& package_root) {
  state_->forget(package_root);
}

std::expected<PackageKey, std::string> compute_package_key(
    const config::Config& config, const std::string& command,
    const std::vector<fs::path>& nested_packages, const std::vector<PackageSources>& dependencies,
    const ExternalPackages& external, HashingSession* session) {
  KeyManifest manifest;
  PackageKey result;
  manifest.add("package", {package_path_in_repo(config)});
  manifest.add("command", {command});
  // A digest: the manifest is stored (and shared), and a salt may come from a secret.
  manifest.add("cache-key",
               {config.cache_key.empty()
                    ? std::string()
                    : util::sha256_hex(std::string("memo-cache-key") + '\0' + config.cache_key)});
  for (const auto& glob : config.output_glob) manifest.add("output-glob", {glob});
  for (const auto& name : config.env) {
    const char* value = std::getenv(name.c_str());
    // Only a digest of the value: the manifest is stored, and values may be secrets.
    manifest.add(
        "env", {name, value ? util::sha256_hex(std::string("memo-env") + '\0' + name + '\0' + value)
                            : std::string("unset")});
  }

  // Taken before any file is looked at: what changes from now on is never trusted.
  DigestRecords records{config.internal_cache_folder / "file-digests", wall_clock_ns()};
  // git's index, when there is one, spares reading the files it knows are unchanged.
  // Only the entries of the packages hashed here are kept.
  std::vector<fs::path> folders{config.package_root};
  for (const auto& dependency : dependencies) folders.push_back(dependency.root);
  LazyIndex own_index(config.repo_root, folders);
  HashingSession::State* shared = session ? session->state_.get() : nullptr;
  LazyIndex& index = shared ? shared->index : own_index;

  PackageSources self{config.name, config.package_root,
                      config.inputs.package ? *config.inputs.package : config.hash_globs,
                      config.output_glob, nested_packages};
  if (config.inputs.package && config.inputs.package->empty()) {
    self.hash_globs = {"!**"};  // declared as none: no file of the package counts
  }
  // Packages are walked and hashed side by side: a walk is mostly waiting on the filesystem.
  std::vector<const PackageSources*> packages{&self};
  for (const auto& dependency : dependencies) packages.push_back(&dependency);
  std::vector<std::expected<PackageFiles, std::string>> parts(packages.size());
  util::parallel_for(
      packages.size(),
      [&](std::size_t i) {
        parts[i] = add_package_files(config, *packages[i], index, records, shared);
      },
      1);
  util::Log::verbose("file digests reused for " + std::to_string(records.reused) + " of " +
                     std::to_string(packages.size()) + " packages");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto& part = parts[i];
    if (!part) return std::unexpected(part.error());
    if (i == 0) {
      manifest.add_lines(*part->lines);
    } else {
      // A dependency is one line: the digest of its files' lines (see expand_manifest).
      const PackageSources& dependency = dependencies[i - 1];
      manifest.add(
          "dependency",
          {dependency.name, dependency.root.lexically_relative(config.repo_root).generic_string(),
           part->digest});
      result.parts.push_back({part->digest, part->lines});
    }
    if (part->pending) result.records.push_back(std::move(*part->pending));
    result.file_count += part->count;
  }

  // "name@version": a name holds no '@' but the one opening a scope.
  auto add_locked = [&](const char* kind, const std::string& spec) {
    std::size_t at = spec.find('@', 1);
    manifest.add(kind, {spec.substr(0, at), at == std::string::npos ? "" : spec.substr(at + 1)});
  };
  for (const auto& spec : external.resolved) add_locked("lock", spec);
  for (const auto& spec : external.root) add_locked("root-lock", spec);
  if (external.lockfile_fallback) {
    manifest.add("lockfile",
                 {external.lockfile_fallback->first, external.lockfile_fallback->second});
  }

  std::vector<std::string> root_globs = config.environment_glob;
  if (config.inputs.root) {
    root_globs.insert(root_globs.end(), config.inputs.root->begin(), config.inputs.root->end());
  }
  if (!root_globs.empty()) {
    auto environment = compile_setting(root_globs, "environmentGlob", LeadingSlash::kBaseFolder);
    if (!environment) return std::unexpected(environment.error());
    WalkOptions root_walk;
    root_walk.include = &*environment;
    root_walk.skip_folders = {config.internal_cache_folder, config.log_folder};
    auto added = add_files(manifest, "root-file", config.repo_root, "", root_walk, index);
    if (!added) return std::unexpected(added.error());
    result.file_count += *added;
  }

  result.manifest = manifest.text();
  result.key = util::sha256_hex(result.manifest);
  return result;
}

std::string expanded_manifest(const PackageKey& key) {
  return expand_manifest(key.manifest,
                         [&](const std::string& digest) -> std::optional<std::string> {
                           for (const auto& part : key.parts) {
                             if (part.digest == digest) return *part.lines;
                           }
                           return std::nullopt;
                         });
}

void keep_records(std::vector<PendingRecord>& records) {
  for (const auto& pending : records)
    write_record(pending.file, pending.package_root, pending.record);
  records.clear();
}

}  // namespace memo::hash
