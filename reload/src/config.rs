//! `wayfinder.yaml`: the `hotReload:` section, read into a [`Policy`] (what reloads
//! preserve and warn about) plus the auto-reload settings.
//!
//! Which file: `--config FILE` if given, else `wayfinder.yaml` beside the script, else
//! `wayfinder.yaml` in the working directory, else the defaults. Every key is documented,
//! with its default, in docs/configuration.md.
//!
//! Mistakes are errors, not silently ignored settings: an unknown key, or a value of the
//! wrong type, is reported as `file:line:column: message`, naming the valid keys.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::request::{Policy, Preserve, WarningSwitches};

/// The file name looked for beside the script and in the working directory.
pub const FILE_NAME: &str = "wayfinder.yaml";

/// The settings a run uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The file they came from; `None` when no file was found (all defaults).
    pub path: Option<PathBuf>,
    /// The reload rules (`enabled`, `preserveState`, `preserve.*`, `warnings.*`).
    pub policy: Policy,
    /// `notifyOnChange`: each reload prints one line to stderr and sends an event to
    /// attached clients.
    pub notify_on_change: bool,
    /// Reloading when files change.
    pub auto: AutoReload,
}

/// The auto-reload settings: `auto`, `watchPaths`, `ignorePaths`.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoReload {
    /// `auto`: watch files and reload changed modules (also `wayfinder run --watch`).
    pub enabled: bool,
    /// Globs of files to watch, relative to [`AutoReload::base_dir`].
    pub watch_paths: Vec<String>,
    /// Globs of files never to reload, relative to [`AutoReload::base_dir`].
    pub ignore_paths: Vec<String>,
    /// The directory globs are relative to: the config file's directory, or the script's
    /// when there is no file.
    pub base_dir: PathBuf,
}

impl AutoReload {
    /// The compiled `watchPaths`/`ignorePaths` globs.
    pub fn filter(&self) -> Result<PathFilter, String> {
        Ok(PathFilter {
            base_dir: self.base_dir.clone(),
            watch: glob_set(&self.watch_paths)?,
            ignore: glob_set(&self.ignore_paths)?,
            roots: glob_roots(&self.watch_paths),
        })
    }
}

/// Which files auto-reload looks at: those under the base directory that match a
/// `watchPaths` glob and no `ignorePaths` glob.
///
/// Globs are matched against the path relative to the base directory, with `/` between
/// components. A glob without a `/` matches a file or directory name at any depth (`*.tmp`,
/// `node_modules`), as in `.gitignore`; in a glob with a `/`, `*` stays within one
/// directory and `**` crosses any number of them (`src/**/*.lua`).
#[derive(Clone, Debug)]
pub struct PathFilter {
    base_dir: PathBuf,
    watch: globset::GlobSet,
    ignore: globset::GlobSet,
    /// The directories (relative to the base) that can hold watched files.
    roots: Vec<PathBuf>,
}

impl PathFilter {
    /// Whether `path` (relative to the base directory, or absolute and under it) is
    /// watched.
    pub fn wants(&self, path: &Path) -> bool {
        let relative = if path.is_absolute() {
            let base = std::fs::canonicalize(&self.base_dir).unwrap_or(self.base_dir.clone());
            match path.strip_prefix(&base) {
                Ok(r) => r.to_path_buf(),
                Err(_) => return false,
            }
        } else {
            path.to_path_buf()
        };
        if !self.watch.is_match(&relative) {
            return false;
        }
        // Ignored if the path or any directory above it matches.
        let mut current = Some(relative.as_path());
        while let Some(p) = current {
            if !p.as_os_str().is_empty() && self.ignore.is_match(p) {
                return false;
            }
            current = p.parent();
        }
        true
    }

    /// The directory globs are relative to.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The directories a watcher needs to watch (recursively) to see every file
    /// `watchPaths` can match: the fixed leading directories of the globs (`src` for
    /// `src/**/*.lua`), or the base directory itself when a glob can match anywhere.
    pub fn roots(&self) -> Vec<PathBuf> {
        self.roots
            .iter()
            .map(|r| {
                if r.as_os_str().is_empty() {
                    self.base_dir.clone()
                } else {
                    self.base_dir.join(r)
                }
            })
            .collect()
    }
}

/// The fixed leading directories of `patterns` (see [`PathFilter::roots`]), without ones
/// inside others; an empty path stands for the base directory.
fn glob_roots(patterns: &[String]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./");
        let mut root = PathBuf::new();
        if trimmed.contains('/') {
            let parts: Vec<&str> = trimmed.split('/').collect();
            // Every component but the last (the file name) that has no glob syntax.
            for part in &parts[..parts.len() - 1] {
                if part.is_empty() || part.contains(['*', '?', '[', '{', '\\']) {
                    break;
                }
                root.push(part);
            }
        }
        roots.push(root);
    }
    roots.sort();
    roots.dedup();
    let mut kept: Vec<PathBuf> = Vec::new();
    for r in roots {
        if !kept.iter().any(|k| r.starts_with(k)) {
            kept.push(r);
        }
    }
    kept
}

fn glob_set(patterns: &[String]) -> Result<globset::GlobSet, String> {
    let mut set = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./");
        let text = if trimmed.contains('/') {
            trimmed.to_string()
        } else {
            format!("**/{trimmed}")
        };
        let glob = globset::GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob '{pattern}': {}", e.kind()))?;
        set.add(glob);
    }
    set.build().map_err(|e| e.to_string())
}

impl Default for Config {
    fn default() -> Self {
        Config::defaults(Path::new("."))
    }
}

impl Config {
    /// The defaults, with globs relative to `base_dir`.
    pub fn defaults(base_dir: &Path) -> Config {
        let section = HotReloadSection::default();
        section.into_config(None, base_dir)
    }

    /// Find and read the configuration for running `script`: `explicit` (from `--config`)
    /// if given, else `wayfinder.yaml` beside the script, else in the working directory,
    /// else the defaults.
    pub fn locate(explicit: Option<&Path>, script: &Path) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let script_dir = match script.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let beside = if script_dir == Path::new(".") {
            PathBuf::from(FILE_NAME)
        } else {
            script_dir.join(FILE_NAME)
        };
        for candidate in [beside, PathBuf::from(FILE_NAME)] {
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config::defaults(&script_dir))
    }

    /// Read one file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read the configuration: {}", io_reason(&e)),
        })?;
        Config::parse(&text, path)
    }

    /// Parse `text` as the contents of `path` (used in messages and as the glob base).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let doc: Option<FileDoc> = serde_yaml::from_str(text).map_err(|e| {
            let location = e.location();
            ConfigError {
                path: path.to_path_buf(),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                message: clean_message(&e.to_string()),
            }
        })?;
        let section = doc.and_then(|d| d.hot_reload).unwrap_or_default();
        let base_dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(section.into_config(Some(path.to_path_buf()), &base_dir))
    }
}

/// Why the configuration could not be used: one line, `file:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// The parser's message without the position (it is already in front) and with the
/// section path spelled as in the file.
fn clean_message(message: &str) -> String {
    let mut m = message.to_string();
    if let Some(at) = m.rfind(" at line ") {
        if m[at..].contains(" column ") {
            m.truncate(at);
        }
    }
    // Name sections by their keys, not by the Rust types that read them.
    for (rust, keys) in [
        ("struct FileDoc", "`hotReload`"),
        (
            "struct HotReloadSection",
            "`enabled`, `preserveState`, `notifyOnChange`, `preserve`, `warnings`, `auto`, \
             `watchPaths`, `ignorePaths`",
        ),
        (
            "struct PreserveSection",
            "`globals`, `tables`, `upvalues`, `metatables`",
        ),
        (
            "struct WarningsSection",
            "`functionIdentity`, `closureUpvalues`",
        ),
    ] {
        m = m.replace(rust, &format!("a mapping with the keys {keys}"));
    }
    m
}

// The file's shape. Every struct denies unknown fields, so a misspelt key is an error that
// lists the valid ones.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(rename = "hotReload", default)]
    hot_reload: Option<HotReloadSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct HotReloadSection {
    enabled: bool,
    preserve_state: bool,
    notify_on_change: bool,
    preserve: PreserveSection,
    warnings: WarningsSection,
    auto: bool,
    watch_paths: Vec<GlobPattern>,
    ignore_paths: Vec<GlobPattern>,
}

impl Default for HotReloadSection {
    fn default() -> Self {
        let policy = Policy::default();
        HotReloadSection {
            enabled: policy.enabled,
            preserve_state: policy.preserve_state,
            notify_on_change: true,
            preserve: PreserveSection::default(),
            warnings: WarningsSection::default(),
            auto: false,
            watch_paths: vec![GlobPattern(DEFAULT_WATCH.to_string())],
            ignore_paths: Vec::new(),
        }
    }
}

/// What `watchPaths` is when the file does not say: every Lua file under the base.
pub const DEFAULT_WATCH: &str = "**/*.lua";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct PreserveSection {
    globals: bool,
    tables: bool,
    upvalues: bool,
    metatables: bool,
}

impl Default for PreserveSection {
    fn default() -> Self {
        let p = Preserve::default();
        PreserveSection {
            globals: p.globals,
            tables: p.tables,
            upvalues: p.upvalues,
            metatables: p.metatables,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct WarningsSection {
    function_identity: bool,
    closure_upvalues: bool,
}

impl Default for WarningsSection {
    fn default() -> Self {
        let w = WarningSwitches::default();
        WarningsSection {
            function_identity: w.function_identity,
            closure_upvalues: w.closure_upvalues,
        }
    }
}

/// A glob, checked when the file is read so a broken pattern is reported at its line.
struct GlobPattern(String);

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        globset::Glob::new(&text)
            .map_err(|e| de::Error::custom(format!("invalid glob '{text}': {}", e.kind())))?;
        Ok(GlobPattern(text))
    }
}

impl HotReloadSection {
    fn into_config(self, path: Option<PathBuf>, base_dir: &Path) -> Config {
        Config {
            path,
            policy: Policy {
                enabled: self.enabled,
                preserve_state: self.preserve_state,
                preserve: Preserve {
                    globals: self.preserve.globals,
                    tables: self.preserve.tables,
                    upvalues: self.preserve.upvalues,
                    metatables: self.preserve.metatables,
                },
                warnings: WarningSwitches {
                    function_identity: self.warnings.function_identity,
                    closure_upvalues: self.warnings.closure_upvalues,
                },
            },
            notify_on_change: self.notify_on_change,
            auto: AutoReload {
                enabled: self.auto,
                watch_paths: self.watch_paths.into_iter().map(|g| g.0).collect(),
                ignore_paths: self.ignore_paths.into_iter().map(|g| g.0).collect(),
                base_dir: base_dir.to_path_buf(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("proj/wayfinder.yaml"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_files_and_sections_give_the_defaults() {
        for text in ["", "# nothing\n", "hotReload:\n", "hotReload: {}\n"] {
            let c = parse(text).unwrap();
            assert_eq!(c.policy, Policy::default(), "{text:?}");
            assert!(c.notify_on_change);
            assert!(!c.auto.enabled);
            assert_eq!(c.auto.watch_paths, [DEFAULT_WATCH]);
            assert!(c.auto.ignore_paths.is_empty());
            assert_eq!(c.auto.base_dir, Path::new("proj"));
            assert_eq!(c.path.as_deref(), Some(Path::new("proj/wayfinder.yaml")));
        }
    }

    #[test]
    fn the_product_page_examples_parse() {
        let c = parse(
            "# wayfinder.yaml
hotReload:
  enabled: true
  preserveState: true
  notifyOnChange: true
",
        )
        .unwrap();
        assert_eq!(c.policy, Policy::default());
        let c = parse(
            "hotReload:
  preserve:
    globals: true
    tables: true
    upvalues: true
    metatables: true
  warnings:
    functionIdentity: true
    closureUpvalues: true
",
        )
        .unwrap();
        assert_eq!(c.policy, Policy::default());
        let c = parse(
            "hotReload:
  auto: true
  watchPaths:
    - \"src/**/*.lua\"
    - \"lib/**/*.lua\"
  ignorePaths:
    - \"node_modules/**\"
    - \"*.tmp\"
",
        )
        .unwrap();
        assert!(c.auto.enabled);
        assert_eq!(c.auto.watch_paths, ["src/**/*.lua", "lib/**/*.lua"]);
        assert_eq!(c.auto.ignore_paths, ["node_modules/**", "*.tmp"]);
    }

    #[test]
    fn every_switch_maps_onto_the_policy() {
        let c = parse(
            "hotReload:
  enabled: false
  preserveState: false
  notifyOnChange: false
  preserve: { globals: false, tables: false, upvalues: false, metatables: false }
  warnings: { functionIdentity: false, closureUpvalues: false }
",
        )
        .unwrap();
        assert!(!c.policy.enabled);
        assert!(!c.policy.preserve_state);
        assert!(!c.notify_on_change);
        assert_eq!(
            c.policy.preserve,
            Preserve {
                globals: false,
                tables: false,
                upvalues: false,
                metatables: false
            }
        );
        assert_eq!(
            c.policy.warnings,
            WarningSwitches {
                function_identity: false,
                closure_upvalues: false
            }
        );
    }

    #[test]
    fn unknown_keys_name_the_place_and_the_valid_keys() {
        let e = error("hotReload:\n  enabled: true\n  preserveStat: false\n");
        assert!(e.starts_with("proj/wayfinder.yaml:3:3: "), "{e}");
        assert!(e.contains("unknown field `preserveStat`"), "{e}");
        assert!(
            e.contains("`preserveState`") && e.contains("`ignorePaths`"),
            "{e}"
        );
        let e = error("hotReload:\n  preserve:\n    global: false\n");
        assert!(e.starts_with("proj/wayfinder.yaml:3:5: "), "{e}");
        assert!(
            e.contains("`globals`, `tables`, `upvalues`, `metatables`"),
            "{e}"
        );
        let e = error("hot_reload:\n  enabled: true\n");
        assert!(e.starts_with("proj/wayfinder.yaml:1:1: "), "{e}");
        assert!(e.contains("expected `hotReload`"), "{e}");
    }

    #[test]
    fn wrong_types_name_the_place_and_the_expected_type() {
        let e = error("hotReload:\n  enabled: yes please\n");
        assert!(e.starts_with("proj/wayfinder.yaml:2:12: "), "{e}");
        assert!(e.contains("expected a boolean"), "{e}");
        assert!(!e.contains(" at line "), "{e}");
        let e = error("hotReload:\n  watchPaths: src/*.lua\n");
        assert!(e.starts_with("proj/wayfinder.yaml:2:15: "), "{e}");
        assert!(e.contains("expected a sequence"), "{e}");
        let e = error("hotReload:\n  ignorePaths:\n    - \"src/[*.lua\"\n");
        assert!(e.starts_with("proj/wayfinder.yaml:3:5: "), "{e}");
        assert!(e.contains("invalid glob 'src/[*.lua'"), "{e}");
        let e = error("hotReload: [1, 2]\n");
        assert!(e.starts_with("proj/wayfinder.yaml:1:12: "), "{e}");
        assert!(
            e.contains("expected a mapping with the keys `enabled`, "),
            "{e}"
        );
        let e = error("hotReload:\n  preserve: true\n");
        assert!(
            e.ends_with(
                "expected a mapping with the keys `globals`, `tables`, `upvalues`, `metatables`"
            ),
            "{e}"
        );
        let e = error("[1]\n");
        assert!(
            e.ends_with("expected a mapping with the keys `hotReload`"),
            "{e}"
        );
        let e = error("hotReload:\n  enabled: true\n   bad indent: 1\n");
        assert!(e.starts_with("proj/wayfinder.yaml:"), "{e}");
    }

    #[test]
    fn path_filters_follow_watch_and_ignore_globs() {
        let c = parse(
            "hotReload:
  watchPaths: [\"src/**/*.lua\", \"lib/*.lua\", \"main.lua\"]
  ignorePaths: [\"node_modules/**\", \"*.tmp\", \"vendor\"]
",
        )
        .unwrap();
        let f = c.auto.filter().unwrap();
        for (path, wanted) in [
            ("src/a.lua", true),
            ("src/deep/er/b.lua", true),
            ("lib/c.lua", true),
            ("lib/sub/c.lua", false),
            ("main.lua", true),
            ("other.lua", false),
            ("src/a.lua.tmp", false),
            ("src/vendor/x.lua", false),
            ("src/readme.md", false),
        ] {
            assert_eq!(f.wants(Path::new(path)), wanted, "{path}");
        }
        // `main.lua` can match at any depth: the whole base is watched.
        assert_eq!(f.roots(), [PathBuf::from("proj")]);
        assert_eq!(f.roots()[0].to_str(), Some("proj"));
        let roots = |globs: &[&str]| {
            let owned: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
            glob_roots(&owned)
        };
        assert_eq!(
            roots(&["src/**/*.lua", "lib/*.lua", "src/game/*.lua"]),
            [PathBuf::from("lib"), PathBuf::from("src")]
        );
        assert_eq!(roots(&["./a/b/c/*.lua"]), [PathBuf::from("a/b/c")]);
        assert_eq!(roots(&["*/x.lua"]), [PathBuf::new()]);
        assert_eq!(roots(&["**/*.lua"]), [PathBuf::new()]);
        assert_eq!(roots(&[]), Vec::<PathBuf>::new());
        let d = parse("").unwrap().auto.filter().unwrap();
        assert_eq!(d.roots(), [PathBuf::from("proj")]);
        assert!(d.wants(Path::new("a.lua")));
        assert!(d.wants(Path::new("x/y/a.lua")));
        assert!(!d.wants(Path::new("a.txt")));
    }

    #[test]
    fn locating_prefers_the_explicit_file_then_beside_the_script() {
        let dir = std::env::temp_dir().join(format!("wayfinder-config-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("game")).unwrap();
        std::fs::write(
            dir.join("game/wayfinder.yaml"),
            "hotReload:\n  auto: true\n",
        )
        .unwrap();
        std::fs::write(dir.join("other.yaml"), "hotReload:\n  enabled: false\n").unwrap();
        let script = dir.join("game/main.lua");
        let c = Config::locate(None, &script).unwrap();
        assert!(c.auto.enabled);
        assert_eq!(c.auto.base_dir, dir.join("game"));
        let c = Config::locate(Some(&dir.join("other.yaml")), &script).unwrap();
        assert!(!c.policy.enabled);
        let e = Config::locate(Some(&dir.join("missing.yaml")), &script).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: cannot read the configuration: no such file",
                dir.join("missing.yaml").display()
            )
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
