#!/usr/bin/env bash
# Builds a base image from Debian's packages, for machines that reach Debian's archive but no container
# registry: a Debian 12 root file system made by mmdebstrap, imported into podman.
#   docker/base-image.sh [--jdk] [IMAGE]
# Without --jdk: a JRE 17 with bash, for the Dockerfile's RUNTIME_IMAGE (default name
# localhost/samsa-base-jre:17-bookworm). With --jdk: a JDK 17 with Maven, for BUILD_IMAGE (default name
# localhost/samsa-base-maven:17-bookworm). Does nothing when the image exists; prints its name. Needs root (or
# mmdebstrap's unshare mode), mmdebstrap and podman; DEBIAN_MIRROR overrides the archive's address.
set -euo pipefail

packages="openjdk-17-jre-headless"
image="localhost/samsa-base-jre:17-bookworm"
if [[ "${1:-}" == "--jdk" ]]; then
  shift
  packages="openjdk-17-jdk-headless,maven"
  image="localhost/samsa-base-maven:17-bookworm"
fi
image="${1:-$image}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
for tool in mmdebstrap podman; do
  command -v "$tool" >/dev/null || { echo "base-image: $tool is not installed" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# update-alternatives needs the man directory even when man pages are left out. One retry: the archive is
# reached over the network.
for attempt in 1 2; do
  if mmdebstrap --quiet --variant=minbase --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
      bookworm "$tmp/rootfs.tar" \
      "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
      "deb ${mirror%/debian}/debian-security bookworm-security main" >&2; then
    break
  fi
  ((attempt < 2)) || exit 1
  echo "base-image: mmdebstrap failed; trying once more" >&2
  rm -f "$tmp/rootfs.tar"
done
podman import --quiet --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "$tmp/rootfs.tar" "$image" >/dev/null
echo "$image"
