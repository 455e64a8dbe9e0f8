# transship as a container image: the static binary and nothing else (no shell, no libc).
# Build the binary first, then the image (no base image to pull):
#   rustup target add x86_64-unknown-linux-musl
#   CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --target x86_64-unknown-linux-musl
#   docker build -t transship .
# Run it on the project in the current directory:
#   docker run --rm -v "$PWD:/src" transship lint
FROM scratch
COPY target/x86_64-unknown-linux-musl/release/transship /transship
WORKDIR /src
ENTRYPOINT ["/transship"]
