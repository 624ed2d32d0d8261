//! Privacy as a tested property: the real binary, monitoring a recording in real time under
//! strace with a fresh home folder, opens no network socket and writes nothing outside its
//! session database and its config folder (in particular nothing of ONNX Runtime's telemetry
//! under `~/.cache/Microsoft`). The trace checker is tested on its own with lines taken from a
//! trace of the telemetry client, so it is known to catch what it is meant to catch.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording};

/// The system calls traced: every way to reach the network or create, change or remove a file.
const TRACED: &str = "socket,connect,sendto,sendmsg,bind,open,openat,openat2,creat,mkdir,mkdirat,\
    rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,rmdir,truncate";

/// Flags of `open`/`openat` that change or create a file.
const WRITE_FLAGS: [&str; 5] = ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"];

/// What the traced process may write.
struct Allowed {
    /// Files (the database and its journal, WAL and shared-memory files).
    files: Vec<PathBuf>,
    /// Folders whose whole content may be written (the config folder).
    folders: Vec<PathBuf>,
    /// Where relative paths start.
    cwd: PathBuf,
}

impl Allowed {
    fn for_database(db: &Path, config: &Path, cwd: &Path) -> Self {
        // The baseline kept for the next start (`pipeline::kept`), and its partial file.
        let kept = plumbline::pipeline::kept::path_for(db);
        let files = ["", "-journal", "-wal", "-shm"]
            .iter()
            .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
            .chain([
                PathBuf::from(format!("{}.partial", kept.display())),
                kept,
                PathBuf::from("/dev/null"),
            ])
            .collect();
        Self {
            files,
            folders: vec![config.to_path_buf()],
            cwd: cwd.to_path_buf(),
        }
    }

    fn absolute(&self, path: &str) -> PathBuf {
        self.cwd.join(path)
    }

    fn may_write(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path) || self.folders.iter().any(|d| path.starts_with(d))
    }

    /// A folder may be made on the way to an allowed file or inside an allowed folder.
    fn may_make_folder(&self, path: &Path) -> bool {
        self.may_write(path)
            || self.files.iter().any(|f| f.starts_with(path))
            || self.folders.iter().any(|d| d.starts_with(path))
    }
}

/// The quoted strings of a strace line, unescaped enough for paths.
fn quoted(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut text = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => text.extend(chars.next()),
                '"' => break,
                c => text.push(c),
            }
        }
        out.push(text);
    }
    out
}

/// Address families that leave the machine.
const NETWORK: [&str; 5] = ["AF_INET", "AF_INET6", "AF_PACKET", "PF_INET", "PF_INET6"];

/// Whether the arguments of a socket call name a network family: `socket`'s first argument,
/// or the `sa_family` of an address.
fn network_family(args: &str) -> bool {
    let first = args.split([',', ')']).next().unwrap_or_default().trim();
    let address = args
        .split("sa_family=")
        .nth(1)
        .and_then(|s| s.split([',', '}']).next())
        .unwrap_or_default();
    NETWORK.contains(&first) || NETWORK.contains(&address)
}

/// The problem with one strace line, if any.
fn violation(line: &str, allowed: &Allowed) -> Option<String> {
    let line = line.trim();
    // `-ff` output has no pid column; a resumed call repeats nothing we check.
    let (name, rest) = line.split_once('(')?;
    let name = name.trim();
    match name {
        "socket" if network_family(rest) => Some(format!("network socket: {line}")),
        "connect" | "sendto" | "sendmsg" | "bind" if network_family(rest) => {
            Some(format!("network address: {line}"))
        }
        "open" | "openat" | "openat2" | "creat" => {
            let path = quoted(line).into_iter().next()?;
            let writes = name == "creat" || WRITE_FLAGS.iter().any(|flag| rest.contains(flag));
            let relative_to_fd = name != "open"
                && name != "creat"
                && !rest.starts_with("AT_FDCWD")
                && !path.starts_with('/');
            if !writes {
                return None;
            }
            if relative_to_fd || !allowed.may_write(&allowed.absolute(&path)) {
                Some(format!(
                    "writes a file outside the database and config: {line}"
                ))
            } else {
                None
            }
        }
        "mkdir" | "mkdirat" => {
            let path = quoted(line).into_iter().next()?;
            (!allowed.may_make_folder(&allowed.absolute(&path)))
                .then(|| format!("makes a folder outside the data and config folders: {line}"))
        }
        "rename" | "renameat" | "renameat2" | "link" | "linkat" | "symlink" | "symlinkat"
        | "unlink" | "unlinkat" | "rmdir" | "truncate" => {
            let paths = quoted(line);
            paths
                .iter()
                .any(|p| !allowed.may_write(&allowed.absolute(p)))
                .then(|| format!("changes a file outside the database and config: {line}"))
        }
        _ => None,
    }
}

/// Every file below `dir`.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn real_time_monitor_opens_no_network_socket_and_writes_only_its_database() {
    assert!(
        strace_available(),
        "strace is needed for the privacy test: run scripts/setup (it installs it)"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().canonicalize().expect("temp dir path");
    let home = root.join("home");
    let cwd = root.join("cwd");
    let traces = root.join("trace");
    for dir in [&home, &cwd, &traces] {
        std::fs::create_dir_all(dir).expect("test folders");
    }
    // 22 s of recording, played on its own clock: the telemetry client calls home every few
    // seconds, so 20 s gives it several chances.
    let clip = recording(
        &root.join("clip.mkv"),
        &[(UPRIGHT_STILL, 11), (SLUMP_STILL, 11)],
    );
    let data = home.join(".local/share/plumbline");
    let config = home.join(".config/plumbline");
    let db = data.join("plumbline.sqlite");
    let allowed = Allowed::for_database(&db, &config, &cwd);

    let started = Instant::now();
    let output = Command::new("strace")
        .args(["-f", "-ff", "-qq", "--seccomp-bpf", "-s", "4096", "-e"])
        .arg(format!("trace={TRACED}"))
        .arg("-o")
        .arg(traces.join("t"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_plumbline"))
        .args(["monitor", "--headless", "--json", "--source"])
        .arg(&clip)
        .current_dir(&cwd)
        .env("HOME", &home)
        .env("TMPDIR", root.join("tmp"))
        // The binary must switch the telemetry off whatever its caller says.
        .env("ORT_DISABLE_TELEMETRY", "0")
        .env_remove("PLUMBLINE_NO_RECORD")
        .env_remove("PLUMBLINE_DB")
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_STATE_HOME")
        .output()
        .expect("strace runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(elapsed >= Duration::from_secs(20), "ran {elapsed:?} only");

    let mut violations = Vec::new();
    let mut saw_database = false;
    let mut lines = 0;
    for trace in files_below(&traces) {
        let text = std::fs::read_to_string(&trace).expect("trace file");
        for line in text.lines() {
            lines += 1;
            saw_database |= line.starts_with("openat(")
                && line.contains("O_CREAT")
                && quoted(line).first().is_some_and(|p| Path::new(p) == db);
            violations.extend(violation(line, &allowed));
        }
    }
    assert!(
        saw_database,
        "the trace ({lines} lines) does not show the database being created: {}",
        db.display()
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));

    // Nothing but our own folders in the fresh home, in particular no ~/.cache/Microsoft.
    let strays: Vec<PathBuf> = files_below(&home)
        .into_iter()
        .filter(|p| !(p.starts_with(&data) || p.starts_with(&config)))
        .collect();
    assert!(strays.is_empty(), "files outside our folders: {strays:?}");
    assert!(!home.join(".cache").exists(), "a cache folder was made");
    // The session was really recorded and closed.
    let conn = rusqlite::Connection::open(&db).expect("the session database");
    let (seconds, ended): (i64, Option<String>) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM samples), ended_at FROM sessions",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("one session");
    assert!(seconds >= 15, "{seconds} seconds recorded");
    assert!(ended.is_some(), "the session was not closed");
}

#[test]
fn the_loader_refuses_the_runtime_without_the_telemetry_switch() {
    // Runs `refusal_probe` in a child of this test binary with the switch removed.
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new(exe)
        .args([
            "--exact",
            "privacy::refusal_probe",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove(plumbline::runtime::TELEMETRY_VAR)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("probe: refused"), "{stdout}");
}

/// Loading succeeds exactly when the telemetry switch is set, and is refused with a message
/// that names it otherwise (the second case runs in the child of the test above).
#[test]
fn refusal_probe() {
    match plumbline::runtime::ensure_initialized() {
        Ok(_) => assert!(plumbline::runtime::telemetry_disabled()),
        Err(err) => {
            assert!(!plumbline::runtime::telemetry_disabled(), "{err}");
            let message = err.to_string();
            assert!(message.contains("ORT_DISABLE_TELEMETRY=1"), "{message}");
            println!("probe: refused");
        }
    }
}

#[test]
fn the_checker_catches_telemetry_and_stray_files() {
    let allowed = Allowed::for_database(
        Path::new("/h/.local/share/plumbline/plumbline.sqlite"),
        Path::new("/h/.config/plumbline"),
        Path::new("/cwd"),
    );
    // Lines from a trace of ONNX Runtime's telemetry client (without the pid column of -ff).
    let bad = [
        "socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 14",
        "socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 15",
        "connect(15, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"10.255.255.53\")}, 16) = 0",
        "openat(AT_FDCWD, \"/h/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 12",
        "mkdir(\"/h/.cache/Microsoft\", 0777) = 0",
        "openat(AT_FDCWD, \"frame.png\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3",
        "openat(7, \"x\", O_RDWR|O_CREAT, 0600) = 3",
        "creat(\"/tmp/x\", 0644) = 3",
        "rename(\"/h/.local/share/plumbline/plumbline.sqlite\", \"/tmp/copy\") = 0",
        "unlink(\"/h/notes.txt\") = 0",
    ];
    for line in bad {
        assert!(violation(line, &allowed).is_some(), "missed: {line}");
    }
    let good = [
        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3",
        "connect(14, {sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}, 110) = -1 ENOENT",
        "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3",
        "openat(AT_FDCWD, \"/h/.local/share/plumbline/plumbline.sqlite-wal\", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0600) = 8",
        "openat(AT_FDCWD, \"/h/.config/plumbline/window.toml\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 9",
        "mkdir(\"/h/.local\", 0700) = 0",
        "mkdir(\"/h/.local/share/plumbline\", 0700) = 0",
        "unlink(\"/h/.local/share/plumbline/plumbline.sqlite-wal\") = 0",
        "openat(AT_FDCWD, \"/dev/null\", O_RDWR) = 3",
        "+++ exited with 0 +++",
    ];
    for line in good {
        assert_eq!(violation(line, &allowed), None, "{line}");
    }
}

/// A copy of the plumbline binary at `path` (a hard link: same bytes, its own location).
fn binary_copy(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder for the copy");
    let original = Path::new(env!("CARGO_BIN_EXE_plumbline"));
    if std::fs::hard_link(original, path).is_err() {
        std::fs::copy(original, path).expect("copying the binary");
    }
}

fn doctor(exe: &Path) -> (bool, String) {
    let output = Command::new(exe)
        .arg("doctor")
        .env_remove("ORT_DYLIB_PATH")
        .env_remove(plumbline::runtime::SYSTEM_VAR)
        .output()
        .expect("the copied binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_copied_binary_loads_no_runtime_planted_in_a_parent_folder() {
    // Beside the build output, so the binary can be hard-linked rather than copied.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let downloads = tmp.path().join("downloads");
    let library = plumbline::runtime::library_file();
    let planted = downloads.join("runtime/lib").join(&library);
    std::fs::create_dir_all(planted.parent().expect("folder")).expect("folder");
    std::fs::write(&planted, b"\x7fELF planted by someone else").expect("planting");
    let exe = downloads.join("tools/plumbline");
    binary_copy(&exe);

    // The planted library one folder up is not even looked at: the source tree's is loaded.
    let (ready, stdout) = doctor(&exe);
    assert!(ready, "{stdout}");
    assert!(!stdout.contains(&*downloads.to_string_lossy()), "{stdout}");
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("runtime/lib")
        .join(&library);
    assert!(stdout.contains(&*source_tree.to_string_lossy()), "{stdout}");
    assert!(stdout.contains("pinned build, sha256 verified"), "{stdout}");

    // Beside the executable is the installation's own place: a file there that is not the
    // pinned build is refused by name, and nothing else is tried instead.
    let beside = downloads.join("tools/runtime/lib").join(&library);
    std::fs::create_dir_all(beside.parent().expect("folder")).expect("folder");
    std::fs::write(&beside, b"\x7fELF not the pinned build").expect("planting");
    let (ready, stdout) = doctor(&exe);
    assert!(!ready, "{stdout}");
    assert!(stdout.contains("not the pinned build"), "{stdout}");
    assert!(stdout.contains("scripts/fetch-runtime"), "{stdout}");
    assert!(stdout.contains(&*beside.to_string_lossy()), "{stdout}");

    // The pinned library beside the executable (an installed package) is loaded from there.
    std::fs::copy(&source_tree, &beside).expect("installing the runtime beside the binary");
    let (ready, stdout) = doctor(&exe);
    assert!(ready, "{stdout}");
    assert!(stdout.contains("from beside the executable"), "{stdout}");
    assert!(stdout.contains(&*beside.to_string_lossy()), "{stdout}");
}
