#!/usr/bin/env bash
# The kernel lab (lab/) boots Debian's kernels under QEMU with a BusyBox initramfs and a static C
# program. Install what it needs from Debian when it is missing (as root), or say what to install.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx cpio || need+=(busybox-static)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "folioviz: installing ${need[*]} for the kernel lab"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "folioviz: the kernel lab needs: ${need[*]}" >&2
echo "  On Debian: sudo apt-get install ${need[*]}   (then run the make target again)" >&2
exit 1
