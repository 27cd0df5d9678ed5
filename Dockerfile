# Samsa: a drop-in for the apache/kafka image (same environment variables; see docker/entrypoint.sh).
#   docker build -t samsa .
#   docker run -p 9092:9092 samsa
# Stage 1 builds the broker with Maven; stage 2 is a JRE with the broker jar and its runtime libraries.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl server -am

FROM eclipse-temurin:17-jre
RUN groupadd --system samsa && useradd --system --gid samsa --home-dir /opt/samsa samsa \
    && mkdir -p /opt/samsa/config /var/lib/kafka/data \
    && chown -R samsa:samsa /opt/samsa /var/lib/kafka
COPY --from=build /src/server/target/samsa-server.jar /opt/samsa/samsa-server.jar
COPY --from=build /src/server/target/lib/ /opt/samsa/lib/
COPY docker/entrypoint.sh /opt/samsa/entrypoint.sh
USER samsa
ENV SAMSA_HOME=/opt/samsa
VOLUME /var/lib/kafka/data
EXPOSE 9092 9093
ENTRYPOINT ["/opt/samsa/entrypoint.sh"]
