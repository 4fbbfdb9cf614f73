"""folioviz's kernel lab: Debian's real kernels booted under QEMU, scenarios run in the guest, and the
kernel's own answers recorded next to folioviz's (see the README's "For mentors: the kernel lab")."""
