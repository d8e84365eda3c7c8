# wafer: build with Debian's toolchain, run on a slim image.
#   docker build -t wafer . && docker run -p 8080:8080 wafer
FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libuv1-dev libcjson-dev node-llhttp \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
    && cmake --build build -j"$(nproc)" --target wafer

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libcjson1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /nonexistent wafer
COPY --from=build /src/build/wafer /usr/local/bin/wafer
COPY examples/ /modules/
COPY deploy/production.json /etc/wafer/config.json
USER 10001
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/wafer"]
CMD ["serve", "--config", "/etc/wafer/config.json", "--modules", "/modules"]
