"""Sum the `convert --stats` lines of the Nomad check (one JSON object per case) and fail
when a reference is neither made reachable nor warned about, or a task has no resources
block (Nomad would run it under its 300 MB / 100 MHz default)."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
label = sys.argv[2] if len(sys.argv) > 2 else "nomad"
total = {k: sum(r.get(k, 0) for r in rows) for k in
         ("references", "references_reachable", "references_warned", "tasks", "tasks_without_resources")}
print(f"{label}: {len(rows)} cases, {total['references']} references found, "
      f"{total['references_reachable']} made reachable, {total['references_warned']} warned, "
      f"{total['references'] - total['references_reachable'] - total['references_warned']} unhandled; "
      f"{total['tasks']} tasks, {total['tasks_without_resources']} without resources")
bad = [r["case"] for r in rows
       if r["references"] != r["references_reachable"] + r["references_warned"]
       or r["tasks_without_resources"] > 0]
if bad:
    print(f"FAIL: {label}: unhandled references or tasks without resources in: {', '.join(bad[:20])}")
    sys.exit(1)
