"""The POSIX-sh wrapper a remote run executes under, and the job it is sent.

Why a wrapper: OpenSSH refuses the `signal` request in common set-ups, and closing a channel
without a pty leaves the children running. So the SSH command is this fixed script (no user
data in it: the command line sshd sees is the same for every run but for the run's uid). It:

- reads the job (below) from stdin up to an end line, keeps it in memory (secrets never in a
  file or on a command line) and starts it in a session of its own (`setsid`), output and
  errors to the channel's stdout;
- tells the client `TASKRUN-STARTED <pid>` on the channel's stderr;
- reads `pause` / `resume` lines from stdin and stops or continues the run's processes;
- reads `ping` lines too, one per keepalive: when three in a row do not come (a network
  partition: sshd does not notice a client that is gone without a word) it stops the run
  as below;
- when stdin closes (a cancel, a timeout, the client gone, the connection dropped) stops every
  process of the run: those in its session and those carrying the run's marker variable in
  /proc/PID/environ (what left the session with `setsid`), TERM, a grace, then KILL until
  none is left;
- when the job's main process ends, stops what it left behind the same way and exits with its
  status.

The job defines its environment (exports), then `taskrun_main`, which changes to the working
directory, checks the program exists and execs it. Every value in it is single-quoted, so it
arrives verbatim; it travels over stdin, never on the remote command line."""

from __future__ import annotations

import shlex
import uuid

_WRAPPER = r"""
end=$1 grace=$2 mark="TASKRUN_RUN_UID=$3" beat=$4 job=
marked() {
  { grep -lF "$mark" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/||; s|/environ$||'
    [ -n "$job" ] && ps -e -o pid= -o sid= 2>/dev/null | awk -v s="$job" '$2 == s { print $1 }'
  } | sort -u | grep -vx "$$"
}
stop_all() {
  p=$(marked)
  [ -n "$p" ] && kill -TERM $p 2>/dev/null && kill -CONT $p 2>/dev/null
  i=0
  while [ -n "$p" ] && [ "$i" -lt "$1" ]; do sleep 0.1; p=$(marked); i=$((i + 1)); done
  i=0
  while [ -n "$p" ] && [ "$i" -lt 100 ]; do
    kill -KILL $p 2>/dev/null; sleep 0.02; p=$(marked); i=$((i + 1))
  done
}
payload=$(sed -n "/^$end\$/q;p")
case $payload in
  *"
TASKRUN_COMPLETE=1") ;;
  *) echo "TASKRUN-ERROR connection the job did not arrive whole" >&2; exit 125 ;;
esac
d=$(mktemp -d "${TMPDIR:-/tmp}/taskrun.XXXXXXXX") || {
  echo "TASKRUN-ERROR internal cannot make a temporary directory" >&2; exit 125; }
S=; command -v setsid >/dev/null 2>&1 && S=setsid
printf '%s\n' "$payload" | TASKRUN_DIR=$d $S /bin/sh \
  -c 'eval "$(cat)" && exec </dev/null && taskrun_main' taskrun-job 3>&2 2>&1 &
job=$!
payload=
echo "TASKRUN-STARTED $job" >&2
exec 4<&0  # an asynchronous list's stdin is /dev/null unless redirected
(
  trap '' PIPE
  while IFS= read -r c; do
    case $c in
      pause) p=$(marked); [ -n "$p" ] && kill -STOP $p 2>/dev/null ;;
      resume) p=$(marked); [ -n "$p" ] && kill -CONT $p 2>/dev/null ;;
      ping) : > "$d/ping" ;;
    esac
  done
  stop_all "$grace"
) <&4 >/dev/null 2>&1 &
watch=$!
exec 4<&-
(
  missed=0
  while [ "$missed" -lt 3 ]; do
    sleep "$beat"
    if [ -e "$d/ping" ]; then rm -f "$d/ping"; missed=0; else missed=$((missed + 1)); fi
  done
  stop_all "$grace"
) </dev/null >/dev/null 2>&1 &
timer=$!
{ wait "$job"; rc=$?; } 2>/dev/null
stop_all 10
kill "$watch" "$timer" 2>/dev/null
wait "$watch" "$timer" 2>/dev/null  # neither writes a ping into "$d" any more
rm -rf "$d" 2>/dev/null || { sleep 0.1; rm -rf "$d" 2>/dev/null; }
exit "$rc"
"""

ERROR_PREFIX = "TASKRUN-ERROR "
STARTED_PREFIX = "TASKRUN-STARTED "
SETUP_FAILED = 125  # the job could not be set up (see its TASKRUN-ERROR line)


def command(run_uid: str, end: str, grace_s: float, beat_s: float) -> str:
    """The command line sent to sshd: the fixed wrapper, its end line, the grace in tenths
    of a second, the run's uid (a hex string, the marker's value) and the seconds between
    the client's pings."""
    tenths = max(1, round(grace_s * 10))
    words = ("taskrun-wrapper", end, str(tenths), run_uid, f"{beat_s:g}")
    args = " ".join(shlex.quote(a) for a in words)
    return f"exec /bin/sh -c {shlex.quote(_WRAPPER)} {args}"


def new_end_line() -> str:
    """A line no job text contains: where the wrapper stops reading the job."""
    return f"TASKRUN-END-{uuid.uuid4().hex}"


def _fail(kind: str, what: str, code: int) -> str:
    return f"{{ printf '%s\\n' {shlex.quote(ERROR_PREFIX + kind + ' ' + what)} >&3; exit {code}; }}"


def job_text(
    env: dict[str, str],
    argv: list[str],
    cwd: str,
    script: tuple[str, str] | None = None,
) -> str:
    """The job for `argv` in `cwd` (empty: the login directory; `~/x` under $HOME) with `env`
    exported. `script`: (file suffix, body) of a script, written to the wrapper's private
    temporary folder (which it removes when the run ends) as `$TASKRUN_SCRIPT`: argv's last
    item is then its place (engine/remote/plan.py puts it there), whatever its text."""
    q = shlex.quote
    lines = [f"export {name}={q(value)}" for name, value in env.items()]
    lines.append("taskrun_main() {")
    if cwd:
        where = f'"$HOME"/{q(cwd[2:])}' if cwd.startswith("~/") else q(cwd)
        where = '"$HOME"' if cwd == "~" else where
        lines.append(f"  cd -- {where} 2>/dev/null || {_fail('bad_cwd', cwd, SETUP_FAILED)}")
    program = argv[0]
    found = f"command -v {q(program)} >/dev/null 2>&1"
    lines.append(f"  {found} || {_fail('not_found', program, 127)}")
    words = " ".join(q(a) for a in argv)
    if script is not None:  # by place, not by value: a parameter may read "$TASKRUN_SCRIPT"
        words = " ".join([*(q(a) for a in argv[:-1]), '"$TASKRUN_SCRIPT"'])
    if script is not None:
        suffix, body = script
        lines.append(f'  TASKRUN_SCRIPT="$TASKRUN_DIR/script{suffix}"')
        failed = _fail("internal", "cannot write the script file", SETUP_FAILED)
        lines.append(f'  printf %s {q(body)} > "$TASKRUN_SCRIPT" || {failed}')
    lines.append(f"  exec 3>&- {words}")
    lines.append("}")
    lines.append("TASKRUN_COMPLETE=1")
    return "\n".join(lines) + "\n"
