// WASI preview1 for filters: enough for TinyGo-, Rust- and AssemblyScript-built modules to load and
// log. stdout/stderr go to the filter log (info/error, one entry per write, trailing newline dropped,
// as proxy-wasm-cpp-host does); clocks and randomness are real; there are no arguments, environment
// variables, preopened directories or files; proc_exit ends the callback like a trap.

import { randomFillSync } from 'node:crypto';
import { ProcExit } from './errors.js';
import type { FilterVm } from './filter-vm.js';

const OK = 0;
const EBADF = 8;
export const WASI_EFAULT = 21;
const EINVAL = 28;
const ENOSYS = 52;
const ESPIPE = 70;
const ENOTCAPABLE = 76;

const CHARACTER_DEVICE = 2;
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_WRITE = 1n << 6n;

const isStdio = (fd: number) => fd >= 0 && fd <= 2;

export function wasiCalls(vm: FilterVm) {
  const { mem, services } = vm;
  const nosys = () => ENOSYS;
  const notCapable = () => ENOTCAPABLE;
  const stdioOnly = (fd: number) => (isStdio(fd) ? OK : EBADF);

  return {
    args_get: () => OK,
    args_sizes_get(countPtr: number, sizePtr: number) {
      mem.setU32(countPtr, 0);
      mem.setU32(sizePtr, 0);
      return OK;
    },
    environ_get: () => OK,
    environ_sizes_get(countPtr: number, sizePtr: number) {
      mem.setU32(countPtr, 0);
      mem.setU32(sizePtr, 0);
      return OK;
    },
    clock_res_get(id: number, resultPtr: number) {
      if (id > 3) return EINVAL;
      mem.setU64(resultPtr, 1n);
      return OK;
    },
    clock_time_get(id: number, _precision: bigint, resultPtr: number) {
      if (id > 3) return EINVAL;
      mem.setU64(resultPtr, id === 0 ? services.nowNanos() : process.hrtime.bigint());
      return OK;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, writtenPtr: number) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < iovsLen; i++) parts.push(mem.peek(mem.u32(iovs + i * 8), mem.u32(iovs + i * 8 + 4)));
      const data = Buffer.concat(parts);
      const level = fd === 1 ? 2 : 4;
      let text = data.toString('utf8');
      if (text.endsWith('\n')) text = text.slice(0, -1);
      if (data.length > 0 && level >= services.logLevel) vm.log(fd === 1 ? 'info' : 'error', text);
      mem.setU32(writtenPtr, data.length);
      return OK;
    },
    fd_read(fd: number, _iovs: number, _iovsLen: number, readPtr: number) {
      if (fd !== 0) return EBADF;
      mem.setU32(readPtr, 0); // stdin is empty
      return OK;
    },
    fd_fdstat_get(fd: number, statPtr: number) {
      if (!isStdio(fd)) return EBADF;
      mem.write(statPtr, new Uint8Array(24));
      mem.write(statPtr, Uint8Array.of(CHARACTER_DEVICE));
      mem.setU64(statPtr + 8, fd === 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE);
      return OK;
    },
    fd_filestat_get(fd: number, statPtr: number) {
      if (!isStdio(fd)) return EBADF;
      mem.write(statPtr, new Uint8Array(64));
      mem.write(statPtr + 16, Uint8Array.of(CHARACTER_DEVICE));
      return OK;
    },
    fd_prestat_get: () => EBADF, // no preopened directories: ends wasi-libc's preopen scan
    fd_prestat_dir_name: () => EBADF,
    fd_close: stdioOnly,
    fd_sync: stdioOnly,
    fd_datasync: stdioOnly,
    fd_fdstat_set_flags: stdioOnly,
    fd_seek: (fd: number) => (isStdio(fd) ? ESPIPE : EBADF),
    fd_tell: (fd: number) => (isStdio(fd) ? ESPIPE : EBADF),
    fd_advise: nosys,
    fd_allocate: nosys,
    fd_fdstat_set_rights: nosys,
    fd_filestat_set_size: nosys,
    fd_filestat_set_times: nosys,
    fd_pread: nosys,
    fd_pwrite: nosys,
    fd_readdir: nosys,
    fd_renumber: nosys,
    path_open: notCapable,
    path_create_directory: notCapable,
    path_filestat_get: notCapable,
    path_filestat_set_times: notCapable,
    path_link: notCapable,
    path_readlink: notCapable,
    path_remove_directory: notCapable,
    path_rename: notCapable,
    path_symlink: notCapable,
    path_unlink_file: notCapable,
    poll_oneoff: nosys,
    proc_exit(code: number): void {
      throw new ProcExit(code >>> 0);
    },
    proc_raise: nosys,
    sched_yield: () => OK,
    random_get(bufPtr: number, bufLen: number) {
      randomFillSync(mem.peek(bufPtr, bufLen));
      return OK;
    },
    sock_accept: nosys,
    sock_recv: nosys,
    sock_send: nosys,
    sock_shutdown: nosys,
  };
}
