# Cross-compiling Minke for 64-bit ARM Linux on a Debian x86-64 machine (scripts/test-aarch64.sh):
# Debian's g++-aarch64-linux-gnu, and the arm64 builds of the libraries through multiarch
# (dpkg --add-architecture arm64; libpcre2-dev:arm64 ...). Test binaries run under qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Libraries and headers: the cross root first, then the multiarch folders of the host (/usr,
# where arm64 libraries live under lib/aarch64-linux-gnu and headers are shared).
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# qemu-aarch64 finds the arm64 loader and libraries at their multiarch paths (libc6:arm64); with
# -L /usr/aarch64-linux-gnu it would mix the cross toolchain's libc with them, and the first
# pthread_create spins forever.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
