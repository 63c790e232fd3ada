//! Batched output: a flight's datagrams handed out together, the shape UDP segmentation
//! offload (Linux `UDP_SEGMENT`) and `sendmmsg` want. Modelled on quinn's `Transmit`: one
//! buffer holding `segments` datagrams back to back, each `segment_size` bytes except the
//! last, which may be shorter. A caller without GSO splits the buffer at `segment_size`
//! boundaries ([`Transmit::datagrams`]) and sends each piece as its own datagram.

/// Most datagrams one batch holds: Linux refuses a GSO send of more than 64 segments
/// (`UDP_MAX_SEGMENTS`), and a full-handshake flight needs far fewer.
pub const MAX_BATCH_SEGMENTS: usize = 64;

/// Most datagrams waiting for `poll_transmit` after which [`crate::Connection::send`] refuses
/// more ([`crate::SendError::Full`], not fatal): an application that sends without draining
/// the output cannot grow the queue without bound (at most 256 records of 2^14 bytes).
pub const MAX_QUEUED_DATAGRAMS: usize = 256;

/// One batch of datagrams written into the caller's buffer by
/// [`crate::Connection::poll_transmit_batch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Size of every datagram but the last (the GSO segment size).
    pub segment_size: usize,
    /// How many datagrams the buffer holds (at least one).
    pub segments: usize,
    /// Total bytes written into the buffer.
    pub len: usize,
}

impl Transmit {
    /// The datagrams of this batch, in order, as slices of `buf` (the buffer the batch was
    /// written into).
    pub fn datagrams<'a>(&self, buf: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
        let size = self.segment_size.max(1);
        buf.get(..self.len).unwrap_or(buf).chunks(size)
    }
}
