//! Drives a real terminal: a detached tmux session on a private server, keys sent the
//! way an operator types them, and the screen read back as text.
//!
//! Every session gets its own server (`tmux -L <unique socket>`), so tests running in
//! parallel never share state, and the server is killed when the [`Session`] is dropped.
//! Synchronisation is always by polling the screen ([`Session::wait_for`]), never by
//! fixed sleeps.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often [`Session::wait_for`] looks at the screen.
const POLL: Duration = Duration::from_millis(50);

/// The `rapport` binary cargo built for the integration tests.
pub fn rapport_bin() -> &'static str {
    env!("CARGO_BIN_EXE_rapport")
}

/// Quotes `s` for a POSIX shell command line.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Whether tmux can be used. When it cannot, prints a notice and returns `false` so the
/// test can return early, except on CI (`CI=true`), where a missing tmux is a failure.
pub fn skip_unless_tmux() -> bool {
    if Tmux::available() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("tmux not found, and CI=true: the end-to-end tests must run on CI");
    }
    eprintln!(
        "notice: tmux not found; skipping end-to-end test (install tmux to run it; on CI it is required)"
    );
    false
}

/// The tmux program itself.
pub struct Tmux;

impl Tmux {
    /// Whether `tmux -V` runs.
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// One detached tmux session with one pane, on a server of its own.
pub struct Session {
    socket: String,
    /// Where tmux put the socket, to remove it after the server is gone.
    socket_path: String,
    name: String,
    /// Holds the server's configuration file.
    _dir: tempfile::TempDir,
}

fn unique_suffix() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{n}-{nanos}", std::process::id())
}

impl Session {
    /// Starts `cmd` (run by `sh -c`) in a `width`x`height` pane, in a clean environment:
    /// `PATH`, a private `HOME`, `TERM=xterm-256color`, `LANG=C.UTF-8`, `TZ=UTC`,
    /// `USER=tester`, `PS1='$ '` and `envs` (which come last, so they win).
    /// The pane stays open after the program exits, so its last screen can be read.
    pub fn start(width: u16, height: u16, cmd: &str, envs: &[(&str, &str)]) -> Session {
        let dir = tempfile::tempdir().expect("temp dir for tmux");
        let conf = dir.path().join("tmux.conf");
        std::fs::write(
            &conf,
            "set -g remain-on-exit on\n\
             set -g status off\n\
             set -g escape-time 0\n",
        )
        .expect("write tmux.conf");
        let suffix = unique_suffix();
        let mut session = Session {
            socket: format!("rapport-e2e-{suffix}"),
            socket_path: String::new(),
            name: format!("e2e-{suffix}"),
            _dir: dir,
        };
        let mut args: Vec<String> = vec![
            "-f".into(),
            conf.to_string_lossy().into_owned(),
            "new-session".into(),
            "-d".into(),
            "-x".into(),
            width.to_string(),
            "-y".into(),
            height.to_string(),
            "-s".into(),
            session.name.clone(),
            "-c".into(),
            session._dir.path().to_string_lossy().into_owned(),
            "--".into(),
            "env".into(),
            "-i".into(),
        ];
        // A clean environment: nothing from the developer's shell (RAPPORT_DB, a
        // keymap in ~/.config, RUST_BACKTRACE, …) changes what the test sees.
        let home = session._dir.path().join("home");
        std::fs::create_dir_all(&home).expect("create HOME");
        let home = home.to_string_lossy().into_owned();
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let config = format!("{home}/.config");
        let data = format!("{home}/.local/share");
        let base = [
            ("PATH", path.as_str()),
            ("HOME", home.as_str()),
            ("XDG_CONFIG_HOME", config.as_str()),
            ("XDG_DATA_HOME", data.as_str()),
            ("TERM", "xterm-256color"),
            ("LANG", "C.UTF-8"),
            ("LC_ALL", "C.UTF-8"),
            ("TZ", "UTC"),
            ("RAPPORT_AS", "tester"),
            ("PS1", "$ "),
        ];
        for (k, v) in base.iter().chain(envs) {
            args.push(format!("{k}={v}"));
        }
        args.extend(["sh".into(), "-c".into(), cmd.into()]);
        let out = session.tmux(&args);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        session.socket_path = session.display("#{socket_path}");
        session
    }

    /// Starts an interactive `sh` in the pane: type command lines into it with
    /// [`Session::run_line`].
    pub fn start_shell(width: u16, height: u16, envs: &[(&str, &str)]) -> Session {
        let s = Session::start(width, height, "exec sh", envs);
        s.wait_for("$", Duration::from_secs(10));
        s
    }

    /// Starts `rapport` with `args` on the database `db`.
    pub fn start_rapport(
        width: u16,
        height: u16,
        db: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Session {
        let db = db.to_string_lossy().into_owned();
        let mut all = vec![("RAPPORT_DB", db.as_str())];
        all.extend_from_slice(envs);
        let mut cmd = format!("exec {}", shell_quote(rapport_bin()));
        for a in args {
            cmd.push(' ');
            cmd.push_str(&shell_quote(a));
        }
        Session::start(width, height, &cmd, &all)
    }

    fn tmux<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        Command::new("tmux")
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    fn tmux_ok(&self, args: &[&str]) -> String {
        let out = self.tmux(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys by their tmux names: `Enter`, `Escape`, `Tab`, `BTab`, `Down`, `C-k`,
    /// or single characters such as `q` or `>`.
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        self.tmux_ok(&args);
    }

    /// Types `text` literally (any script: Latin, Cyrillic, Persian, …).
    pub fn type_text(&self, text: &str) {
        self.tmux_ok(&["send-keys", "-t", &self.name, "-l", "--", text]);
    }

    /// Types a command line into the shell and presses Enter.
    pub fn run_line(&self, line: &str) {
        self.type_text(line);
        self.send(&["Enter"]);
    }

    /// The visible screen, one line per row, trailing blanks trimmed.
    pub fn capture(&self) -> String {
        self.tmux_ok(&["capture-pane", "-p", "-t", &self.name])
    }

    /// The scrollback and the visible screen. Needed after the program exited: tmux then
    /// writes "Pane is dead" on a new line at the bottom, scrolling the screen by one.
    pub fn capture_history(&self) -> String {
        self.tmux_ok(&["capture-pane", "-p", "-S", "-", "-t", &self.name])
    }

    /// A tmux format evaluated for the pane, e.g. `#{alternate_on}` or `#{pane_dead}`.
    pub fn display(&self, format: &str) -> String {
        self.tmux_ok(&["display-message", "-p", "-t", &self.name, format])
            .trim_end_matches('\n')
            .to_string()
    }

    /// Polls the screen every 50 ms until `ready` accepts it; returns that screen. On
    /// timeout, panics with `what` and the last screen.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() >= timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; the screen was:\n{}\n{}\n{}",
                    "-".repeat(40),
                    screen,
                    "-".repeat(40)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `needle` is on screen; returns the screen.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{needle:?}"), timeout, |s| s.contains(needle))
    }

    /// Waits until every one of `needles` is on screen at once; returns the screen. Use
    /// it rather than `wait_for` and then asserting on the rest of the screen, which
    /// could be a frame only partly drawn.
    pub fn wait_for_all(&self, needles: &[&str], timeout: Duration) -> String {
        self.wait_until(&format!("all of {needles:?}"), timeout, |s| {
            needles.iter().all(|n| s.contains(n))
        })
    }

    /// Waits until `needle` is no longer on screen; returns the screen.
    pub fn wait_gone(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{needle:?} to disappear"), timeout, |s| {
            !s.contains(needle)
        })
    }

    /// Waits until the program in the pane has exited; returns its exit status.
    pub fn wait_exit(&self, timeout: Duration) -> i32 {
        let start = Instant::now();
        loop {
            // The pane's end of file and its child's exit status arrive separately.
            let dead = self.display("#{pane_dead}:#{pane_dead_status}");
            if let Some(status) = dead.strip_prefix("1:").and_then(|s| s.parse().ok()) {
                return status;
            }
            if dead == "1:" {
                // The program closed its terminal but tmux has not collected its exit
                // status. tmux built with libutempter can miss a SIGCHLD and leave the
                // child a zombie (tmux/tmux#311, #4559); a SIGCHLD to our own server
                // makes it reap.
                self.nudge_server();
            }
            if start.elapsed() >= timeout {
                panic!(
                    "timed out after {timeout:?} waiting for the program to exit \
                     (pane_dead:pane_dead_status = {dead:?}); the screen was:\n{}",
                    self.capture_history()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends SIGCHLD to this session's tmux server (see [`Session::wait_exit`]).
    fn nudge_server(&self) {
        let pid = self.display("#{pid}");
        if !pid.is_empty() {
            let _ = Command::new("sh")
                .args(["-c", "kill -s CHLD \"$1\"", "sh", &pid])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let out = self.tmux(&["capture-pane", "-p", "-t", &self.name]);
            eprintln!(
                "the screen when the test failed:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        let _ = self.tmux(&["kill-server"]);
        // tmux leaves its socket behind.
        if !self.socket_path.is_empty() {
            let _ = std::fs::remove_file(&self.socket_path);
        }
    }
}
