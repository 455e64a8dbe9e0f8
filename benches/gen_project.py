#!/usr/bin/env python3
"""Generate a synthetic compose project of N services for benchmarks: a base file with
anchors and interpolation, an override file, and a .env."""
import os, sys

def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
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

main()
