#!/usr/bin/env python3
"""A TCP proxy on loopback that adds a fixed delay in each direction.

The kernel here has no netem, so bench/fetch puts latency between a mail
client and Dovecot with this instead.  Every chunk read from one side is
written to the other side DELAY ms after it was read, in order.  There is no
bandwidth limit: many chunks can be in flight at once, so a stream that
pipelines its commands pays the delay once while a client that waits for
each reply pays it on every round trip (2 x DELAY).

Usage: delay-proxy.py --target-port PORT [--target-host H] [--listen-port P]
                      [--delay-ms MS] [--port-file FILE]

It listens on 127.0.0.1 (port 0 = a free port), writes the port it got to
--port-file (or stdout) once it accepts connections, and runs until SIGTERM
or SIGINT.  Python 3.7+ standard library only.
"""

import argparse
import asyncio
import os
import signal
import socket
import sys

CHUNK = 256 * 1024
# Bytes held per direction before the reader stops reading (and TCP pushes
# back on the sender), like the buffers of a real path.  At 10 ms this bounds
# memory, not throughput: 32 MiB per 10 ms is over 3 GB/s.
MAX_INFLIGHT = 32 * 1024 * 1024


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class Pipe:
    """One direction: chunks with the time they are due, in order."""

    def __init__(self, delay, loop):
        self.delay = delay
        self.loop = loop
        self.queue = asyncio.Queue()
        self.inflight = 0
        self.room = asyncio.Event()
        self.room.set()

    async def read_side(self, reader):
        try:
            while True:
                await self.room.wait()
                data = await reader.read(CHUNK)
                if not data:
                    break
                self.inflight += len(data)
                if self.inflight >= MAX_INFLIGHT:
                    self.room.clear()
                self.queue.put_nowait((self.loop.time() + self.delay, data))
        except (ConnectionError, OSError):
            pass
        finally:
            # End of stream, after the data before it.
            self.queue.put_nowait((self.loop.time() + self.delay, None))

    async def write_side(self, writer):
        try:
            while True:
                due, data = await self.queue.get()
                wait = due - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    await writer.drain()
                    return
                writer.write(data)
                await writer.drain()
                self.inflight -= len(data)
                if self.inflight < MAX_INFLIGHT:
                    self.room.set()
        except (ConnectionError, OSError):
            pass


async def pipe(reader, writer, delay, loop):
    p = Pipe(delay, loop)
    await asyncio.gather(p.read_side(reader), p.write_side(writer))


async def handle(c_reader, c_writer, args, delay):
    loop = asyncio.get_running_loop()
    try:
        s_reader, s_writer = await asyncio.open_connection(
            args.target_host, args.target_port)
    except OSError as e:
        print("delay-proxy: cannot connect to %s:%d: %s"
              % (args.target_host, args.target_port, e), file=sys.stderr)
        c_writer.close()
        return
    nodelay(c_writer)
    nodelay(s_writer)
    try:
        await asyncio.gather(pipe(c_reader, s_writer, delay, loop),
                             pipe(s_reader, c_writer, delay, loop))
    except asyncio.CancelledError:
        pass    # shutting down: just close both sides
    finally:
        for w in (c_writer, s_writer):
            w.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target-host", default="127.0.0.1")
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--listen-port", type=int, default=0)
    p.add_argument("--delay-ms", type=float, default=10.0,
                   help="delay per direction (default 10, i.e. 20 ms RTT)")
    p.add_argument("--port-file")
    args = p.parse_args()
    delay = args.delay_ms / 1000.0

    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args, delay), "127.0.0.1",
        args.listen_port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
