#!/usr/bin/env bash
# selftest.sh: checks transship-probe:latest against the probe protocol
# (harness/probe/README.md) with real containers, all named tsp-*, removed at the end.
# Needs up.sh to have run. SELFTEST_SYSTEMD=0 skips the systemd-container part.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed"; exits 1 on a mismatch.
# shellcheck disable=SC2015,SC2016 # ok/bad always succeed; single quotes are meant
set -uo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"
P=tsp-
HOST=$(mktemp -d /tmp/tsp-selftest.XXXXXX)
passed=0 failed=0

cleanup() {
  local c
  c=$(dk ps -a --format '{{.Names}}' | awk -v p="$P" 'index($0, p) == 1')
  # shellcheck disable=SC2086 # one name per word
  [ -z "$c" ] || { dk update --restart=no $c >/dev/null 2>&1; dk rm -f -v $c >/dev/null 2>&1; }
  dk network rm ${P}net >/dev/null 2>&1
  dk volume rm -f ${P}vol >/dev/null 2>&1
  rm -rf "$HOST"
}
trap cleanup EXIT
cleanup_start() { cleanup; mkdir -p "$HOST"; }

ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
# The JSON of a container's TSPROBE lines.
lines() { dk logs "$1" 2>/dev/null | sed -n 's/^TSPROBE //p'; }
# expect NAME FRAGMENT WHAT: some line of NAME contains FRAGMENT (exact text).
expect() {
  if lines "$1" | grep -qF -- "$2"; then ok "$3"; else
    bad "$3: $1 printed no line with: $2"
    lines "$1" | sed 's/^/    | /'
  fi
}
expect_not() {
  if lines "$1" | grep -qF -- "$2"; then bad "$3: $1 printed: $2"; else ok "$3"; fi
}
# wait_for NAME FRAGMENT [SECONDS]: until a line of NAME contains FRAGMENT.
wait_for() {
  for _ in $(seq 1 $((${3:-10} * 10))); do
    lines "$1" | grep -qF -- "$2" && return 0
    sleep 0.1
  done
  return 1
}
state() { dk inspect -f "$2" "$1" 2>/dev/null; }
run() { dk run -d --name "$@" >/dev/null; }

cleanup_start
dk network create ${P}net >/dev/null
dk volume create ${P}vol >/dev/null

echo "# every kind of line"
run ${P}all --hostname ${P}all --network ${P}net -v ${P}vol:/data \
  -e 'PROBE_WRITE=/data/w/a.txt=hello world;/tmp/b=x=y' -e PROBE_COUNTER=/data/count \
  -e PROBE_FILES=/data/w/a.txt,/data/w,/nope -e PROBE_RESOLVE=${P}all,no-such-name.invalid \
  -e PROBE_AWAIT=${P}nobody -e PROBE_DIAL=${P}nobody:9 -e PROBE_DIAL_WAIT=1 \
  -e PROBE_LISTEN=8080 -e 'PROBE_Q=a "q" $$ % \ end' -e $'PROBE_NL=l1\nl2\t' \
  "$PROBE_IMAGE" 'two words' '$HOME' '"quoted"' "it's" ''
wait_for ${P}all '{"k":"ready"}' 10 || bad "${P}all never became ready"
expect ${P}all '{"k":"start"}' "start"
expect ${P}all '{"k":"argv","v":["two words","$HOME","\"quoted\"","it'"'"'s",""]}' "argv kept word for word"
expect ${P}all '"PROBE_Q":"a \"q\" $$ % \\ end"' "env: quotes, \$\$, %, backslash"
expect ${P}all '"PROBE_NL":"l1\u000al2\u0009"' "env: newline and tab as \\u escapes"
expect ${P}all '{"k":"id","uid":0,"gid":0,"groups":[0]}' "id as root"
expect ${P}all '{"k":"hostname","v":"tsp-all"}' "hostname"
expect ${P}all '{"k":"stdin","tty":false,"state":"eof"}' "stdin of a detached container: eof"
expect ${P}all '{"k":"wrote","path":"/data/w/a.txt"}' "wrote (parents created)"
expect ${P}all '{"k":"wrote","path":"/tmp/b"}' "wrote a value holding ="
expect ${P}all '{"k":"counter","path":"/data/count","value":1}' "counter starts at 1"
expect ${P}all '{"k":"file","path":"/data/w/a.txt","exists":true,"readable":true,"is_dir":false,"mode":"0644","uid":0,"gid":0,"content":"hello world"}' "file with content"
expect ${P}all '{"k":"file","path":"/data/w","exists":true,"readable":true,"is_dir":true,"mode":"0755","uid":0,"gid":0,"entries":["a.txt"]}' "directory with entries"
expect ${P}all '{"k":"file","path":"/nope","exists":false,"readable":false,"is_dir":false}' "missing file"
expect ${P}all '{"k":"resolve","name":"tsp-all","ok":true}' "resolves its own name"
expect ${P}all '{"k":"resolve","name":"no-such-name.invalid","ok":false}' "does not resolve a bad name"
expect ${P}all '{"k":"await","host":"tsp-nobody","state":"unreachable"}' "await of a missing host: unreachable"
expect ${P}all '{"k":"dial","target":"tsp-nobody:9","ok":false,"reply":""}' "dial of a missing host fails"
if [ "$(lines ${P}all | sed 's/^{"k":"\([a-z]*\)".*/\1/' | tr '\n' ' ')" = \
  "start argv env id hostname stdin wrote wrote counter file file file resolve resolve await dial ready " ]; then
  ok "lines in protocol order"
else bad "lines out of order: $(lines ${P}all | cut -c1-30 | tr '\n' ' ')"; fi
reply=$(dk exec ${P}all sh -c 'nc 127.0.0.1 8080 </dev/null')
[ "$reply" = "tsp-all healthy" ] && ok "PROBE_LISTEN port answers '<hostname> <state>'" || bad "8080 answered '$reply'"

echo "# signals"
dk kill -s HUP ${P}all >/dev/null && dk kill -s HUP ${P}all >/dev/null && dk kill -s USR1 ${P}all >/dev/null
wait_for ${P}all '"SIGUSR1"' 5
expect ${P}all '{"k":"signal","name":"SIGHUP","n":1}' "first SIGHUP"
expect ${P}all '{"k":"signal","name":"SIGHUP","n":2}' "second SIGHUP counted"
expect ${P}all '{"k":"signal","name":"SIGUSR1","n":1}' "SIGUSR1"
t0=$(date +%s%N)
dk stop ${P}all >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 2000 ] && ok "docker stop took ${ms} ms (< 2 s)" || bad "docker stop took ${ms} ms"
expect ${P}all '{"k":"signal","name":"SIGTERM","n":1}' "SIGTERM reported"
[ "$(state ${P}all '{{.State.ExitCode}}')" = 0 ] && ok "exit code 0 after SIGTERM" || bad "exit code $(state ${P}all '{{.State.ExitCode}}') after SIGTERM"
dk start ${P}all >/dev/null
wait_for ${P}all '"value":2' 10
expect ${P}all '{"k":"counter","path":"/data/count","value":2}' "counter in a volume survives stop/start"
[ "$(lines ${P}all | grep -c '^{"k":"start"}')" = 2 ] && ok "two starts logged" || bad "starts: $(lines ${P}all | grep -c '^{"k":"start"}')"

echo "# one-shot jobs and on-failure restarts"
dk run --name ${P}job -e PROBE_EXIT=3 "$PROBE_IMAGE" >/dev/null
[ "$(state ${P}job '{{.State.ExitCode}}')" = 3 ] && ok "PROBE_EXIT=3 exits 3" || bad "PROBE_EXIT=3 exited $(state ${P}job '{{.State.ExitCode}}')"
expect ${P}job '{"k":"exit","code":3}' "exit line"
expect_not ${P}job '{"k":"ready"}' "a job is never ready"
run ${P}flaky --restart on-failure -e PROBE_COUNTER=/tmp/n -e PROBE_FAIL_TIMES=2 "$PROBE_IMAGE"
wait_for ${P}flaky '{"k":"ready"}' 15
expect ${P}flaky '{"k":"counter","path":"/tmp/n","value":3}' "third run counts 3"
[ "$(lines ${P}flaky | grep -c '^{"k":"exit","code":1}')" = 2 ] && ok "failed twice (exit 1)" || bad "exit 1 lines: $(lines ${P}flaky | grep -c '"code":1')"
[ "$(state ${P}flaky '{{.RestartCount}}')" = 2 ] && ok "restart count 2" || bad "restart count $(state ${P}flaky '{{.RestartCount}}')"

echo "# healthcheck and the dependency's state"
run ${P}health --hostname ${P}health --network ${P}net -e PROBE_HEALTHY_AFTER=4 \
  --health-cmd '/probe --health' --health-interval 1s --health-retries 30 "$PROBE_IMAGE"
wait_for ${P}health '{"k":"ready"}' 5
dk run --name ${P}early --network ${P}net -e PROBE_AWAIT=${P}health -e PROBE_EXIT=0 "$PROBE_IMAGE" >/dev/null
expect ${P}early '{"k":"await","host":"tsp-health","state":"starting"}' "await before healthy: starting"
[ "$(state ${P}health '{{.State.Health.Status}}')" = starting ] && ok "health status starting before PROBE_HEALTHY_AFTER" || bad "health $(state ${P}health '{{.State.Health.Status}}') early"
out=$(dk exec ${P}health /probe --health; echo "rc=$?")
[ "$out" = rc=1 ] && ok "/probe --health: exit 1, silent, before" || bad "/probe --health before: $out"
for _ in $(seq 1 40); do [ "$(state ${P}health '{{.State.Health.Status}}')" = healthy ] && break; sleep 0.25; done
[ "$(state ${P}health '{{.State.Health.Status}}')" = healthy ] && ok "healthy after PROBE_HEALTHY_AFTER" || bad "health $(state ${P}health '{{.State.Health.Status}}') after 10 s"
out=$(dk exec ${P}health /probe --health; echo "rc=$?")
[ "$out" = rc=0 ] && ok "/probe --health: exit 0, silent, after" || bad "/probe --health after: $out"
dk run --name ${P}late --network ${P}net -e PROBE_AWAIT=${P}health -e PROBE_EXIT=0 "$PROBE_IMAGE" >/dev/null
expect ${P}late '{"k":"await","host":"tsp-health","state":"healthy"}' "await after healthy: healthy"

echo "# two containers on a user network"
run ${P}a --hostname ${P}a --network ${P}net --network-alias ${P}alias-a -e PROBE_LISTEN=8080 \
  -e PROBE_AWAIT=${P}b "$PROBE_IMAGE"
wait_for ${P}a '{"k":"ready"}' 5
run ${P}b --hostname ${P}b --network ${P}net -e PROBE_RESOLVE=${P}a,${P}alias-a \
  -e PROBE_AWAIT=${P}a -e PROBE_DIAL=${P}a:7070,${P}alias-a:8080 "$PROBE_IMAGE"
wait_for ${P}b '{"k":"ready"}' 20
dk run --name ${P}c --network ${P}net -e PROBE_DIAL=${P}b:7070 -e PROBE_EXIT=0 "$PROBE_IMAGE" >/dev/null
expect ${P}a '{"k":"await","host":"tsp-b","state":"unreachable"}' "a saw b unreachable (not started yet)"
expect ${P}b '{"k":"resolve","name":"tsp-alias-a","ok":true}' "b resolves a's alias"
expect ${P}b '{"k":"await","host":"tsp-a","state":"healthy"}' "b saw a healthy"
expect ${P}b '{"k":"dial","target":"tsp-a:7070","ok":true,"reply":"tsp-a healthy"}' "b dials a by name"
expect ${P}b '{"k":"dial","target":"tsp-alias-a:8080","ok":true,"reply":"tsp-a healthy"}' "b dials a's alias on PROBE_LISTEN"
expect ${P}c '{"k":"dial","target":"tsp-b:7070","ok":true,"reply":"tsp-b healthy"}' "c dials b by name"

echo "# a non-root user reading mounted files"
mkdir -p "$HOST/secrets/dir"
printf 's3cret\n' >"$HOST/secrets/token" && chmod 0444 "$HOST/secrets/token"
printf 'mine\n' >"$HOST/secrets/private" && chmod 0400 "$HOST/secrets/private"
dk run --name ${P}user --user 1000 -v "$HOST/secrets:/run/secrets:ro" \
  -e PROBE_FILES=/run/secrets/token,/run/secrets/private,/run/secrets \
  -e 'PROBE_WRITE=/tmp/u=1;/home/app/h=1' -e PROBE_EXIT=0 "$PROBE_IMAGE" >/dev/null
expect ${P}user '{"k":"id","uid":1000,"gid":1000,' "runs as 1000:1000"
expect ${P}user '{"k":"file","path":"/run/secrets/token","exists":true,"readable":true,"is_dir":false,"mode":"0444","uid":0,"gid":0,"content":"s3cret\u000a"}' "user 1000 reads a 0444 root file"
expect ${P}user '{"k":"file","path":"/run/secrets/private","exists":true,"readable":false,"is_dir":false,"mode":"0400","uid":0,"gid":0}' "user 1000 cannot read a 0400 root file"
expect ${P}user '"entries":["dir","private","token"]' "directory entries sorted"
expect ${P}user '{"k":"wrote","path":"/tmp/u"}' "user 1000 writes /tmp"
expect ${P}user '{"k":"wrote","path":"/home/app/h"}' "user 1000 writes its home"

echo "# stdin and tty"
run ${P}stdin-i -i "$PROBE_IMAGE"
run ${P}stdin-t -t "$PROBE_IMAGE"
dk run --name ${P}stdin-none --entrypoint /bin/sh -e PROBE_EXIT=0 "$PROBE_IMAGE" -c 'exec /probe 0<&-' >/dev/null
wait_for ${P}stdin-i '"k":"stdin"' 5
wait_for ${P}stdin-t '"k":"stdin"' 5
expect ${P}stdin-i '{"k":"stdin","tty":false,"state":"open"}' "stdin_open: open"
expect ${P}stdin-t '{"k":"stdin","tty":true,"state":"open"}' "tty: a terminal, open"
expect ${P}stdin-none '{"k":"stdin","tty":false,"state":"none"}' "closed fd 0: none"

if [ "${SELFTEST_SYSTEMD:-1}" != 0 ]; then
  echo "# systemd as PID 1 driving the outer engine"
  S=${P}systemd
  if bash "$(dirname "$0")/systemd-container.sh" $S "$HOST" >/dev/null; then
    ok "systemd container up"
    dk exec $S docker ps --format '{{.Names}}' | grep -qx $S && ok "docker ps inside reaches the outer engine" || bad "docker ps inside does not list $S"
    printf 'from the host\n' >"$HOST/cfg.txt"
    dk exec -i $S sh -c "cat >/etc/systemd/system/${P}job.service" <<EOF
[Unit]
Requires=docker.service
After=docker.service
[Service]
Type=oneshot
ExecStart=/usr/bin/docker run --rm --name ${P}unit -v $HOST/cfg.txt:/cfg.txt:ro -e PROBE_FILES=/cfg.txt -e PROBE_EXIT=0 $PROBE_IMAGE one "two words"
EOF
    dk exec $S systemctl daemon-reload
    if dk exec $S systemctl start ${P}job.service; then ok "a unit running docker run --rm finishes"; else bad "${P}job.service failed"; fi
    journal=$(dk exec $S journalctl -u ${P}job.service -o cat --no-pager)
    grep -qF 'TSPROBE {"k":"argv","v":["one","two words"]}' <<<"$journal" && ok "its output is in journalctl -u" || { bad "journal lacks the argv line"; printf '    | %s\n' "$journal"; }
    grep -qF '"path":"/cfg.txt","exists":true,"readable":true,"is_dir":false,"mode":"0644","uid":0,"gid":0,"content":"from the host\u000a"' <<<"$journal" \
      && ok "a bind source under HOSTDIR resolves on the outer engine" || bad "journal lacks /cfg.txt from the host"
    t0=$(date +%s%N)
    dk stop $S >/dev/null
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$ms" -lt 5000 ] && ok "the systemd container stops in ${ms} ms" || bad "the systemd container took ${ms} ms to stop"
  else
    bad "systemd container did not come up"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
