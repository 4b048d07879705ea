// Hostile: reads files through WASI (only available when a read-write path is
// granted). Op "read" takes {"path": "relative/to/the/first/preopen"} and
// answers {"errno": n, "text": "..."}; errno 76 (ENOTCAPABLE) or 44 (ENOENT) is
// what a path outside the grant must get.
import { delivery, jsonString, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

@external("wasi_snapshot_preview1", "path_open")
declare function path_open(fd: u32, dirflags: u32, path: usize, pathLen: usize, oflags: u32, rightsBase: u64, rightsInheriting: u64, fdflags: u32, fdOut: usize): u32;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u32;
@external("wasi_snapshot_preview1", "fd_close")
declare function fd_close(fd: u32): u32;

const FIRST_PREOPEN: u32 = 3;
const RIGHT_FD_READ: u64 = 2;

export function handle(): i32 {
  const d = delivery();
  const path = String.UTF8.encode(d.body.getString("path", "../../etc/passwd"));
  const fdOut = heap.alloc(4);
  const errno = path_open(FIRST_PREOPEN, 0, changetype<usize>(path), path.byteLength, 0, RIGHT_FD_READ, 0, 0, fdOut);
  if (errno != 0) return replyOk("{\"errno\":" + errno.toString() + ",\"text\":\"\"}");
  const fd = load<u32>(fdOut);
  const buffer = heap.alloc(4096);
  const iov = heap.alloc(8);
  store<u32>(iov, u32(buffer));
  store<u32>(iov + 4, 4096);
  const nread = heap.alloc(4);
  const readErr = fd_read(fd, iov, 1, nread);
  fd_close(fd);
  const text = readErr == 0 ? String.UTF8.decodeUnsafe(buffer, load<u32>(nread)) : "";
  return replyOk("{\"errno\":" + readErr.toString() + ",\"text\":" + jsonString(text) + "}");
}
