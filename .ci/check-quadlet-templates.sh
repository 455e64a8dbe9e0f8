#!/usr/bin/env bash
# The built-in Quadlet templates are rendered by Rust twins (src/backend/systemd/quadlet/
# builtin.rs) unless `--templates DIR` overrides them, when tera renders the file. For each
# case folder given (with a case.json), convert it with the release binary twice per podman
# version (4.9, the default, and 5.0, which adds template units and Notify=healthy): as is,
# and with the built-in .tera files themselves given as overrides, and compare the two
# output directories byte for byte. Cases the loader or the Quadlet backend refuse (both
# ways alike) are skipped. One line per case, then `N/M cases identical`. Exits 1 when a
# case differs or only one of its two conversions succeeds. Needs target/release/transship
# (or BIN), python3, diff.
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-$PWD/target/release/transship}
TEMPLATES=$PWD/src/backend/systemd/templates
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

same=0
total=0
failed=0
for case in "$@"; do
  case=${case%/}
  name=$(basename "$case")
  [ -f "$case/case.json" ] || continue
  mapfile -d '' args < <(python3 .ci/case_args.py args "$case/case.json")
  mapfile -d '' envs < <(python3 .ci/case_args.py env "$case/case.json")
  converted=0
  verdict=""
  for version in 4.9 5.0; do
    native="$TMP/$name/$version/native"
    tera="$TMP/$name/$version/tera"
    run() {
      (cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" convert --to quadlet --podman-version "$version" "$@" >/dev/null 2>&1)
    }
    run -o "$native"; a=$?
    run --templates "$TEMPLATES" -o "$tera"; b=$?
    if [ $a -ne 0 ] && [ $b -ne 0 ]; then continue; fi
    converted=1
    if [ $a -ne $b ]; then
      verdict="FAIL  $name (podman $version): one conversion failed (exit $a as is, $b through tera)"
      break
    fi
    if ! d=$(diff -r "$native" "$tera" 2>&1); then
      verdict="FAIL  $name (podman $version): $(printf '%s' "$d" | head -n 4 | tr '\n' ' ' | cut -c1-300)"
      break
    fi
  done
  if [ "$converted" = 0 ]; then
    echo "SKIP  $name: not converted"
    continue
  fi
  total=$((total + 1))
  if [ -n "$verdict" ]; then
    failed=1
    echo "$verdict"
  else
    same=$((same + 1))
    echo "SAME  $name"
  fi
done
echo "$same/$total cases identical"
exit $failed
