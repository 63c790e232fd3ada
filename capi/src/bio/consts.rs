//! `bio.h` constant values (OpenSSL 3.0; `BIO_TYPE_DGRAM_PAIR` from 3.2).
#![allow(missing_docs)]
use std::ffi::c_int;

pub const BIO_TYPE_DESCRIPTOR: c_int = 0x0100;
pub const BIO_TYPE_FILTER: c_int = 0x0200;
pub const BIO_TYPE_SOURCE_SINK: c_int = 0x0400;
pub const BIO_TYPE_NONE: c_int = 0;
pub const BIO_TYPE_MEM: c_int = 1 | BIO_TYPE_SOURCE_SINK;
pub const BIO_TYPE_FILE: c_int = 2 | BIO_TYPE_SOURCE_SINK;
pub const BIO_TYPE_FD: c_int = 4 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
pub const BIO_TYPE_SOCKET: c_int = 5 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
pub const BIO_TYPE_NULL: c_int = 6 | BIO_TYPE_SOURCE_SINK;
pub const BIO_TYPE_DGRAM: c_int = 21 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
pub const BIO_TYPE_DGRAM_PAIR: c_int = 26 | BIO_TYPE_SOURCE_SINK;
pub const BIO_TYPE_START: c_int = 128;
pub const BIO_TYPE_MASK: c_int = 0xFF;

pub const BIO_NOCLOSE: c_int = 0x00;
pub const BIO_CLOSE: c_int = 0x01;

pub const BIO_CTRL_RESET: c_int = 1;
pub const BIO_CTRL_EOF: c_int = 2;
pub const BIO_CTRL_INFO: c_int = 3;
pub const BIO_CTRL_SET: c_int = 4;
pub const BIO_CTRL_GET: c_int = 5;
pub const BIO_CTRL_PUSH: c_int = 6;
pub const BIO_CTRL_POP: c_int = 7;
pub const BIO_CTRL_GET_CLOSE: c_int = 8;
pub const BIO_CTRL_SET_CLOSE: c_int = 9;
pub const BIO_CTRL_PENDING: c_int = 10;
pub const BIO_CTRL_FLUSH: c_int = 11;
pub const BIO_CTRL_DUP: c_int = 12;
pub const BIO_CTRL_WPENDING: c_int = 13;
pub const BIO_CTRL_SET_CALLBACK: c_int = 14;
pub const BIO_CTRL_GET_CALLBACK: c_int = 15;
pub const BIO_CTRL_SET_FILENAME: c_int = 30;

pub const BIO_CTRL_DGRAM_CONNECT: c_int = 31;
pub const BIO_CTRL_DGRAM_SET_CONNECTED: c_int = 32;
pub const BIO_CTRL_DGRAM_SET_RECV_TIMEOUT: c_int = 33;
pub const BIO_CTRL_DGRAM_GET_RECV_TIMEOUT: c_int = 34;
pub const BIO_CTRL_DGRAM_SET_SEND_TIMEOUT: c_int = 35;
pub const BIO_CTRL_DGRAM_GET_SEND_TIMEOUT: c_int = 36;
pub const BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP: c_int = 37;
pub const BIO_CTRL_DGRAM_GET_SEND_TIMER_EXP: c_int = 38;
pub const BIO_CTRL_DGRAM_MTU_DISCOVER: c_int = 39;
pub const BIO_CTRL_DGRAM_QUERY_MTU: c_int = 40;
pub const BIO_CTRL_DGRAM_GET_MTU: c_int = 41;
pub const BIO_CTRL_DGRAM_SET_MTU: c_int = 42;
pub const BIO_CTRL_DGRAM_MTU_EXCEEDED: c_int = 43;
pub const BIO_CTRL_DGRAM_SET_PEER: c_int = 44;
pub const BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT: c_int = 45;
pub const BIO_CTRL_DGRAM_GET_PEER: c_int = 46;
pub const BIO_CTRL_DGRAM_GET_FALLBACK_MTU: c_int = 47;
pub const BIO_CTRL_DGRAM_SET_DONT_FRAG: c_int = 48;
pub const BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: c_int = 49;
pub const BIO_CTRL_DGRAM_SET_PEEK_MODE: c_int = 71;

pub const BIO_FP_READ: c_int = 0x02;
pub const BIO_FP_WRITE: c_int = 0x04;
pub const BIO_FP_APPEND: c_int = 0x08;
pub const BIO_FP_TEXT: c_int = 0x10;

pub const BIO_FLAGS_READ: c_int = 0x01;
pub const BIO_FLAGS_WRITE: c_int = 0x02;
pub const BIO_FLAGS_IO_SPECIAL: c_int = 0x04;
pub const BIO_FLAGS_RWS: c_int = BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL;
pub const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
pub const BIO_FLAGS_MEM_RDONLY: c_int = 0x200;
pub const BIO_FLAGS_NONCLEAR_RST: c_int = 0x400;
pub const BIO_FLAGS_IN_EOF: c_int = 0x800;

pub const BIO_C_SET_NBIO: c_int = 102;
pub const BIO_C_SET_FD: c_int = 104;
pub const BIO_C_GET_FD: c_int = 105;
pub const BIO_C_SET_FILE_PTR: c_int = 106;
pub const BIO_C_GET_FILE_PTR: c_int = 107;
pub const BIO_C_SET_FILENAME: c_int = 108;
pub const BIO_C_SET_BUF_MEM: c_int = 114;
pub const BIO_C_GET_BUF_MEM_PTR: c_int = 115;
pub const BIO_C_FILE_SEEK: c_int = 128;
pub const BIO_C_SET_BUF_MEM_EOF_RETURN: c_int = 130;
pub const BIO_C_FILE_TELL: c_int = 133;
pub const BIO_C_SET_WRITE_BUF_SIZE: c_int = 136;
pub const BIO_C_GET_WRITE_BUF_SIZE: c_int = 137;
pub const BIO_C_GET_WRITE_GUARANTEE: c_int = 140;
pub const BIO_C_GET_READ_REQUEST: c_int = 141;
pub const BIO_C_SHUTDOWN_WR: c_int = 142;
