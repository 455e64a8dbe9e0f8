#!/usr/bin/env python3
"""Generate a synthetic compose project of N services for benchmarks.

Usage: gen_project.py N DIR [--shape override|anchor|plain]

Shapes:
  override (default): a base file with an `x-common` anchor and interpolation from `.env`,
      an override file (compose.prod.yaml) touching every third service, and a `.env`.
  anchor: one file, no override and no `.env`: an `x-defaults` anchor merged
      (`<<: *defaults`) into every service, interpolation with defaults (`${VAR:-x}`),
      ports, named volumes, a healthcheck and deploy resources (about 1.5 MB at 5,000).
  plain: one file of plain services, no `x-` blocks, no anchors, no interpolation: input
      that podlet accepts as well (image, command, environment, ports, named volumes,
      restart, depends_on).
"""
import argparse, os

def override(n, out):
    base = ["x-common: &common", "  restart: unless-stopped",
            "  logging:", "    driver: json-file", "    options:", '      max-size: "10m"',
            "  environment:", "    REGION: ${REGION:-eu-west-1}", "    TAG: ${TAG}", "services:"]
    for i in range(n):
        base += [f"  svc{i}:", "    <<: *common", f"    image: ${{REPO}}/svc{i}:${{TAG}}",
                 f'    command: ["serve", "--port", "{8000 + i % 1000}"]',
                 "    ports:", f'      - "{10000 + i}:{8000 + i % 1000}"',
                 "    volumes:", f"      - data{i % 50}:/var/lib/svc", "      - ./config:/etc/svc:ro",
                 "    healthcheck:", '      test: ["CMD", "curl", "-f", "http://localhost/health"]',
                 "      interval: 30s", "    deploy:", "      resources:", "        limits:",
                 '          memory: 256M']
        if i > 0:
            base += ["    depends_on:", f"      - svc{i - 1}"]
    base.append("volumes:")
    base += [f"  data{j}:" for j in range(50)]
    with open(os.path.join(out, "compose.yaml"), "w") as f:
        f.write("\n".join(base) + "\n")
    over = ["services:"]
    for i in range(0, n, 3):
        over += [f"  svc{i}:", "    environment:", "      DEBUG: \"false\"", "    deploy:", "      replicas: 2"]
    with open(os.path.join(out, "compose.prod.yaml"), "w") as f:
        f.write("\n".join(over) + "\n")
    with open(os.path.join(out, ".env"), "w") as f:
        f.write("REPO=registry.example.com/bench\nTAG=1.0.0\n")
    os.makedirs(os.path.join(out, "config"), exist_ok=True)

def anchor(n, out):
    volumes = min(n, 100)
    lines = ["x-defaults: &defaults", "  restart: ${RESTART:-unless-stopped}",
             "  environment:", "    REGION: ${REGION:-eu-west-1}", "    LOG_LEVEL: ${LOG_LEVEL:-info}",
             "  logging:", "    driver: json-file", "    options:", '      max-size: "10m"',
             "services:"]
    for i in range(n):
        lines += [f"  svc{i}:", "    <<: *defaults",
                  f"    image: ${{REGISTRY:-reg.local}}/svc{i}:${{TAG:-1.0}}",
                  f'    ports: ["{10000 + i}:8080"]',
                  f"    volumes: [data{i % volumes}:/var/lib/svc]",
                  "    healthcheck:", '      test: [CMD, curl, -f, localhost:8080]',
                  "      interval: ${HC_INTERVAL:-30s}",
                  "    deploy:", "      resources:",
                  '        limits: {cpus: "0.5", memory: "${MEMORY:-256M}"}']
    lines.append("volumes:")
    lines += [f"  data{j}:" for j in range(volumes)]
    with open(os.path.join(out, "compose.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")

def plain(n, out):
    volumes = min(n, 50)
    lines = ["services:"]
    for i in range(n):
        lines += [f"  svc{i}:", f"    image: registry.example.com/bench/svc{i}:1.0.0",
                  f'    command: ["serve", "--port", "{8000 + i % 1000}"]',
                  "    restart: unless-stopped",
                  "    environment:", "      REGION: eu-west-1", "      LOG_LEVEL: info",
                  "    ports:", f'      - "{10000 + i}:{8000 + i % 1000}"',
                  "    volumes:", f"      - data{i % volumes}:/var/lib/svc",
                  "    networks: [backend]"]
        if i > 0:
            lines += ["    depends_on:", f"      - svc{i - 1}"]
    # A labelled network and labelled volumes, so that podlet writes a .network and .volume
    # files too (it leaves out volumes without options), as transship does.
    lines += ["networks:", "  backend:", "    labels:", "      tier: bench", "volumes:"]
    for j in range(volumes):
        lines += [f"  data{j}:", "    labels:", "      tier: bench"]
    with open(os.path.join(out, "compose.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")

SHAPES = {"override": override, "anchor": anchor, "plain": plain}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="override")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    SHAPES[a.shape](a.n, a.dir)

main()
