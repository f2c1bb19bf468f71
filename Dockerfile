# faultline for the Kubernetes sweep job (deploy/kubernetes/): a static toolchain image
# builds the binary, a slim Debian image runs it as a non-root user.
#
#   docker build --build-arg FAULTLINE_COMMIT="$(git rev-parse HEAD)" -t faultline:0.1.0 .
#   docker run --rm faultline:0.1.0 check channel-cut
#
# .git is not sent to the build (.dockerignore), so the commit comes in as a build
# argument; without it `faultline --version` says `commit unknown`.

# rust-version is 1.91 (smoltcp 0.14); bookworm, to match the runtime's glibc.
FROM rust:1.91-slim-bookworm AS build
ARG FAULTLINE_COMMIT=unknown
WORKDIR /src
COPY . .
RUN FAULTLINE_COMMIT="${FAULTLINE_COMMIT}" cargo build --release --locked -p faultline \
 && cp target/release/faultline /usr/local/bin/faultline

FROM debian:bookworm-slim
ARG FAULTLINE_COMMIT=unknown
LABEL org.opencontainers.image.title="faultline" \
      org.opencontainers.image.description="Deterministic chaos testbed for multicloud private interconnects" \
      org.opencontainers.image.revision="${FAULTLINE_COMMIT}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /usr/local/bin/faultline /usr/local/bin/faultline
# A fixed numeric uid, so a Pod's `runAsNonRoot: true` can verify it.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /work faultline \
 && mkdir /work && chown faultline:faultline /work
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["faultline"]
CMD ["--help"]
