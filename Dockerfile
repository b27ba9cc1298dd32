# syntax=docker/dockerfile:1
# flux-report-operator: static Swift stdlib on a slim Debian runtime with libcurl and CA certificates.
#   docker build -t ghcr.io/example/flux-report-operator:0.1.0 .

ARG SWIFT_IMAGE=swift:6.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source edits reuse this layer.
# Package.resolved is copied when present (the glob tolerates its absence).
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product flux-report-operator \
 && install -D "$(swift build -c release --show-bin-path)/flux-report-operator" /out/flux-report-operator

FROM ${RUNTIME_IMAGE}
# libcurl4 is linked dynamically (the Swift stdlib is static), and zlib (/metrics gzip; zlib1g is essential in Debian); ca-certificates for TLS to registries and webhooks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
COPY --from=builder /out/flux-report-operator /usr/local/bin/flux-report-operator
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/flux-report-operator"]
