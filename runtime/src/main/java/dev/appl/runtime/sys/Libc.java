package dev.appl.runtime.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the drivers make, through {@code java.lang.foreign} (Linux, 64-bit). Each call
 * returns what libc returns; when that says it failed, {@link #errno()} is the error of the last
 * failed call on this thread, captured right after it (nothing else can change it in between).
 * The calls that wait (poll, epoll_wait, recvmmsg) are linked so that the JVM treats them as
 * ordinary blocking native code; none is {@code critical}, which would stall the garbage collector.
 *
 * <p>Needs {@code --enable-native-access=ALL-UNNAMED} (or {@code Enable-Native-Access: ALL-UNNAMED}
 * in the manifest of an executable jar); without it the JDK warns on first use.
 */
public final class Libc {
    private Libc() {}

    // ---- constants (Linux, x86_64 and aarch64 share these) ---------------------------------------

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_PACKET = 17;
    public static final int AF_XDP = 44;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_REUSEPORT = 15;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_NODELAY = 1;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;

    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EBUSY = 16;
    public static final int EAFNOSUPPORT = 97;
    public static final int EAGAIN = 11;
    public static final int ENOBUFS = 105;

    public static final short POLLIN = 0x1;

    public static final int EPOLLIN = 0x1;
    public static final int EPOLLOUT = 0x4;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 0x80000;

    public static final int O_WRONLY = 1;
    public static final int O_CLOEXEC = 0x80000;
    public static final int ENOSPC = 28;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    /** Reserve address space without committing memory: pages are committed as they are first written. */
    public static final int MAP_NORESERVE = 0x4000;

    // ---- struct layouts -------------------------------------------------------------------------

    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"));
    /** {@code struct mmsghdr}: a {@code struct msghdr} and the length received or sent. */
    public static final StructLayout MMSGHDR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("msg_name"),
            ValueLayout.JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("msg_iov"),
            ValueLayout.JAVA_LONG.withName("msg_iovlen"),
            ValueLayout.ADDRESS.withName("msg_control"),
            ValueLayout.JAVA_LONG.withName("msg_controllen"),
            ValueLayout.JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.JAVA_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4));
    public static final long MSG_NAME = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_name"));
    public static final long MSG_NAMELEN = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_namelen"));
    public static final long MSG_IOV = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iov"));
    public static final long MSG_IOVLEN = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iovlen"));
    public static final long MSG_FLAGS = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_flags"));
    public static final long MSG_LEN = MMSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_len"));
    /** {@code struct sockaddr_storage}: room for any address. */
    public static final long SOCKADDR_STORAGE = 128;
    /** {@code struct pollfd}: fd, events, revents. */
    public static final long POLLFD = 8;
    /**
     * {@code struct epoll_event}: events and 64 bits of user data, packed on x86_64 (12 bytes) and
     * aligned elsewhere (16 bytes).
     */
    public static final long EPOLL_EVENT = isX86() ? 12 : 16;
    public static final long EPOLL_DATA = isX86() ? 4 : 8;

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    // ---- calls ----------------------------------------------------------------------------------

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(CALL_STATE));

    /*
     * Each downcall handle is made on first use, in a holder class of its own: making one generates
     * code (a stub class, about 20 ms at start, which the AOT cache does not keep), and an appliance
     * uses only the calls of its drivers. Once the holder is initialised its final field is a
     * constant to the JIT, so a call costs what it cost with the handles made up front; the JVM's
     * class initialisation makes the first use safe from any thread.
     *
     * The linker makes one stub per function signature, so every function is linked with 64-bit
     * words for its arguments and result: ints, sizes and pointers (a segment's address) all go in
     * the 64-bit registers of the Linux x86_64 and aarch64 calling conventions, of which a function
     * taking an int reads the low 32 bits, and a function returning an int is read as the low 32
     * bits of its register. Functions of the same number of arguments then share one stub: the UDP
     * driver's eleven functions make four stubs instead of ten.
     */
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private static MethodHandle call(String name, int arguments) {
        MemoryLayout[] words = new MemoryLayout[arguments];
        java.util.Arrays.fill(words, WORD);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                FunctionDescriptor.of(WORD, words), Linker.Option.captureCallState("errno"));
    }

    /** The address of a segment of native memory, as a call takes a pointer. */
    private static long address(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("libc reads and writes native memory, not " + s);
        }
        return s.address();
    }

    private static final class Socket {
        static final MethodHandle H = call("socket", 3);
    }
    private static final class Bind {
        static final MethodHandle H = call("bind", 3);
    }
    private static final class Listen {
        static final MethodHandle H = call("listen", 2);
    }
    private static final class Accept4 {
        static final MethodHandle H = call("accept4", 4);
    }
    private static final class Setsockopt {
        static final MethodHandle H = call("setsockopt", 5);
    }
    private static final class Getsockopt {
        static final MethodHandle H = call("getsockopt", 5);
    }
    private static final class Getsockname {
        static final MethodHandle H = call("getsockname", 3);
    }
    private static final class Close {
        static final MethodHandle H = call("close", 1);
    }
    private static final class Recvmmsg {
        static final MethodHandle H = call("recvmmsg", 5);
    }
    private static final class Sendmmsg {
        static final MethodHandle H = call("sendmmsg", 4);
    }
    private static final class Recv {
        static final MethodHandle H = call("recv", 4);
    }
    private static final class Send {
        static final MethodHandle H = call("send", 4);
    }
    private static final class Sendmsg {
        static final MethodHandle H = call("sendmsg", 3);
    }
    private static final class Poll {
        static final MethodHandle H = call("poll", 3);
    }
    private static final class EpollCreate1 {
        static final MethodHandle H = call("epoll_create1", 1);
    }
    private static final class EpollCtl {
        static final MethodHandle H = call("epoll_ctl", 4);
    }
    private static final class EpollWait {
        static final MethodHandle H = call("epoll_wait", 4);
    }
    private static final class IfNametoindex {
        static final MethodHandle H = call("if_nametoindex", 1);
    }
    private static final class Mmap {
        static final MethodHandle H = call("mmap", 6);
    }
    private static final class Getifaddrs {
        static final MethodHandle H = call("getifaddrs", 1);
    }
    private static final class Freeifaddrs {
        static final MethodHandle H = call("freeifaddrs", 1);
    }
    /** syscall(2), variadic after the number: the one way to call bpf(2), which libc does not wrap. */
    private static final class Syscall {
        static final MethodHandle H = LINKER.downcallHandle(
                LIBC.find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no syscall")),
                FunctionDescriptor.of(WORD, WORD, WORD, WORD, WORD), Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
    }
    private static final class Munmap {
        static final MethodHandle H = call("munmap", 2);
    }
    private static final class SchedSetaffinity {
        static final MethodHandle H = call("sched_setaffinity", 3);
    }
    private static final class SchedGetaffinity {
        static final MethodHandle H = call("sched_getaffinity", 3);
    }
    private static final class Open {
        static final MethodHandle H = call("open", 2);
    }
    private static final class PosixFallocate {
        static final MethodHandle H = call("posix_fallocate", 3);
    }
    /**
     * The XSI {@code strerror_r}, which writes the message into the caller's buffer and returns 0:
     * glibc exports it as {@code __xpg_strerror_r} (its {@code strerror_r} symbol is the GNU
     * variant, which returns a {@code char *}), and musl exports both names for it. Unlike
     * {@code strerror}, it shares no buffer between threads.
     */
    private static final class StrerrorR {
        static final MethodHandle H = call("__xpg_strerror_r", 3);
    }

    /** The error of the last failed call on this thread. */
    public static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    /** libc's message for an error number, such as "Address already in use". */
    public static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(256);
            // Nonzero for an unknown number, whose message ("Unknown error 4242") glibc writes all the same.
            long ignored = (long) StrerrorR.H.invokeExact(STATE.get(), (long) errno, address(message), message.byteSize());
            String text = message.getString(0);
            return text.isEmpty() ? "error " + errno : text;
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    /** What a downcall threw (it throws nothing it did not get from the JVM itself), rethrown unchecked. */
    private static RuntimeException fail(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) (long) Socket.H.invokeExact(STATE.get(), (long) domain, (long) type, (long) protocol);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int length) {
        try {
            return (int) (long) Bind.H.invokeExact(STATE.get(), (long) fd, address(addr), (long) length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int listen(int fd, int backlog) {
        try {
            return (int) (long) Listen.H.invokeExact(STATE.get(), (long) fd, (long) backlog);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int accept4(int fd, MemorySegment addr, MemorySegment length, int flags) {
        try {
            return (int) (long) Accept4.H.invokeExact(STATE.get(), (long) fd, address(addr), address(length), (long) flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) (long) Setsockopt.H.invokeExact(STATE.get(), (long) fd, (long) level, (long) name, address(value),
                    (long) length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** setsockopt with an int value. */
    public static int setsockopt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            return setsockopt(fd, level, name, arena.allocateFrom(ValueLayout.JAVA_INT, value), 4);
        }
    }

    /** getsockopt into {@code value}; {@code length} holds its size in and the size written out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) (long) Getsockopt.H.invokeExact(STATE.get(), (long) fd, (long) level, (long) name, address(value),
                    address(length));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** getsockopt of an int value; -1 when it fails. */
    public static int getsockoptInt(int fd, int level, int name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            int r = getsockopt(fd, level, name, value, length);
            return r < 0 ? -1 : value.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment length) {
        try {
            return (int) (long) Getsockname.H.invokeExact(STATE.get(), (long) fd, address(addr), address(length));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) (long) Close.H.invokeExact(STATE.get(), (long) fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int recvmmsg(int fd, MemorySegment msgs, int count, int flags) {
        try {
            return (int) (long) Recvmmsg.H.invokeExact(STATE.get(), (long) fd, address(msgs), (long) count, (long) flags, 0L);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int sendmmsg(int fd, MemorySegment msgs, int count, int flags) {
        try {
            return (int) (long) Sendmmsg.H.invokeExact(STATE.get(), (long) fd, address(msgs), (long) count, (long) flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static long recv(int fd, MemorySegment buffer, long length, int flags) {
        try {
            return (long) Recv.H.invokeExact(STATE.get(), (long) fd, address(buffer), length, (long) flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static long send(int fd, MemorySegment buffer, long length, int flags) {
        try {
            return (long) Send.H.invokeExact(STATE.get(), (long) fd, address(buffer), length, (long) flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Sends the iovecs of a {@code struct msghdr} (the first part of {@link #MMSGHDR}) as one write. */
    public static long sendmsg(int fd, MemorySegment message, int flags) {
        try {
            return (long) Sendmsg.H.invokeExact(STATE.get(), (long) fd, address(message), (long) flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) (long) Poll.H.invokeExact(STATE.get(), address(fds), count, (long) timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int epollCreate() {
        try {
            return (int) (long) EpollCreate1.H.invokeExact(STATE.get(), (long) EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** epoll_ctl with one event whose user data is {@code data}; {@code event} is a scratch epoll_event. */
    public static int epollCtl(int epfd, int op, int fd, int events, long data, MemorySegment event) {
        event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_DATA, data);
        try {
            return (int) (long) EpollCtl.H.invokeExact(STATE.get(), (long) epfd, (long) op, (long) fd, address(event));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) (long) EpollWait.H.invokeExact(STATE.get(), (long) epfd, address(events), (long) max,
                    (long) timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Gives the file at {@code path} disk blocks for its first {@code length} bytes (posix_fallocate),
     * so that writes into them through a mapping cannot fail for want of space (a SIGBUS). Returns 0,
     * or the error number.
     */
    public static int allocate(String path, long length) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) (long) Open.H.invokeExact(STATE.get(), address(arena.allocateFrom(path)), (long) (O_WRONLY | O_CLOEXEC));
            if (fd < 0) {
                return errno();
            }
            int error = (int) (long) PosixFallocate.H.invokeExact(STATE.get(), (long) fd, 0L, length);
            close(fd);
            return error;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The index of a network interface, 0 when there is none by that name. */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) (long) IfNametoindex.H.invokeExact(STATE.get(), address(arena.allocateFrom(name)));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** mmap of a file descriptor; the result's address is -1 ({@code MAP_FAILED}) on failure. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd) {
        return mmap(length, prot, flags, fd, 0);
    }

    /** mmap of a file descriptor from {@code offset}; the result's address is -1 ({@code MAP_FAILED}) on failure. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            return MemorySegment.ofAddress((long) Mmap.H.invokeExact(STATE.get(), 0L, length, (long) prot, (long) flags,
                    (long) fd, offset));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The bpf(2) system call's number: x86_64 and aarch64 (generic table) differ. */
    private static final long SYS_BPF = isX86() ? 321 : 280;

    /** bpf(2): command {@code cmd} with the {@code size} bytes of {@code union bpf_attr} at {@code attr}. */
    public static int bpf(int cmd, MemorySegment attr, int size) {
        try {
            return (int) (long) Syscall.H.invokeExact(STATE.get(), SYS_BPF, (long) cmd, address(attr), (long) size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * The IPv4 and IPv6 addresses of network interface {@code name} (getifaddrs(3)); empty when it
     * has none or there is no such interface.
     */
    public static java.util.List<java.net.InetAddress> interfaceAddresses(String name) {
        // struct ifaddrs: ifa_next at 0, ifa_name at 8, ifa_flags at 16, ifa_addr at 24.
        java.util.List<java.net.InetAddress> found = new java.util.ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(ValueLayout.ADDRESS);
            if ((int) (long) Getifaddrs.H.invokeExact(STATE.get(), address(list)) != 0) {
                return found;
            }
            long first = list.get(ValueLayout.JAVA_LONG, 0);
            for (long at = first; at != 0; ) {
                MemorySegment entry = MemorySegment.ofAddress(at).reinterpret(32);
                long addr = entry.get(ValueLayout.JAVA_LONG, 24);
                String ifName = entry.get(ValueLayout.ADDRESS, 8).reinterpret(Integer.MAX_VALUE).getString(0);
                if (addr != 0 && ifName.equals(name)) {
                    MemorySegment sockaddr = MemorySegment.ofAddress(addr).reinterpret(SOCKADDR_STORAGE_READ);
                    short family = sockaddr.get(ValueLayout.JAVA_SHORT, 0);
                    if (family == AF_INET || family == AF_INET6) {
                        found.add(SocketAddresses.read(sockaddr).getAddress());
                    }
                }
                at = entry.get(ValueLayout.JAVA_LONG, 0);
            }
            long ignored = (long) Freeifaddrs.H.invokeExact(STATE.get(), first);
            return found;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The bytes of a sockaddr of getifaddrs read: a sockaddr_in6 is the longest of the two families. */
    private static final long SOCKADDR_STORAGE_READ = 28;

    public static int munmap(MemorySegment address, long length) {
        try {
            return (int) (long) Munmap.H.invokeExact(STATE.get(), address.address(), length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The CPUs this process may run on (as {@code taskset} left them), in order. */
    public static int[] allowedCpus() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128);
            if ((int) (long) SchedGetaffinity.H.invokeExact(STATE.get(), 0L, 128L, address(set)) < 0) {
                return new int[0];
            }
            return java.util.stream.IntStream.range(0, 1024)
                    .filter(cpu -> (set.get(ValueLayout.JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0).toArray();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Pins the calling thread to one CPU. */
    public static int pinToCpu(int cpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128);
            set.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            return (int) (long) SchedSetaffinity.H.invokeExact(STATE.get(), 0L, 128L, address(set));
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
