# Samsa: a drop-in for the apache/kafka image (same environment variables, file input, ports, volumes and
# non-root user; see docker/entrypoint.sh and docs/container.md).
#
#   docker build -t samsa .                        # builds the broker from source with Maven, then the image
#   docker run -p 9092:9092 samsa
#
#   mvn -B -DskipTests package -pl server -am      # or: the jar built beforehand, no Maven in the image build
#   docker build --target prebuilt -t samsa .
#
# Build arguments: BUILD_IMAGE, the image that runs Maven (needing only Maven Central), and RUNTIME_IMAGE, a JRE 17
# with bash that the broker runs on; by default the registry's Maven and Temurin images. Where no registry is
# reachable, docker/base-image.sh builds both from Debian's packages.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${RUNTIME_IMAGE} AS runtime
# uid and gid 1000, as apache/kafka's appuser, so volumes prepared for that image work unchanged (a base image's
# own uid-1000 user, such as Ubuntu's, is removed first). Writable by that user: the data volume, the config
# directory and the file-input directory; /etc/kafka/secrets exists for compose files that mount it.
RUN set -eu; \
    if getent passwd 1000 >/dev/null; then userdel "$(getent passwd 1000 | cut -d: -f1)"; fi; \
    if getent group 1000 >/dev/null; then groupdel "$(getent group 1000 | cut -d: -f1)"; fi; \
    groupadd --gid 1000 samsa; \
    useradd --uid 1000 --gid 1000 --home-dir /opt/samsa --no-create-home --shell /bin/bash samsa; \
    mkdir -p /opt/samsa/config /var/lib/kafka/data /mnt/shared/config /etc/kafka/secrets; \
    chown -R samsa:samsa /opt/samsa /var/lib/kafka /mnt/shared/config /etc/kafka/secrets
COPY config/quickstart.properties /opt/samsa/quickstart.properties
COPY docker/entrypoint.sh /opt/samsa/entrypoint.sh
USER samsa
ENV SAMSA_HOME=/opt/samsa
VOLUME ["/var/lib/kafka/data", "/mnt/shared/config", "/etc/kafka/secrets"]
EXPOSE 9092
# A command, not an entry point, as in apache/kafka: `docker run -it samsa bash` opens a shell.
CMD ["/opt/samsa/entrypoint.sh"]

# --target prebuilt: the jar and its libraries from the build context (.dockerignore lets these two in).
FROM runtime AS prebuilt
COPY server/target/samsa-server.jar /opt/samsa/samsa-server.jar
COPY server/target/lib/ /opt/samsa/lib/

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl server -am \
    && mkdir -p /out \
    && cp server/target/samsa-server.jar /out/ \
    && cp -r server/target/lib /out/lib

# The default target: built from source.
FROM runtime
COPY --from=build /out/ /opt/samsa/
