//! IDX files (the MNIST format), raw or gzipped.
//!
//! Layout, all integers big-endian: a magic number `0x0000_08NN` (`08` = unsigned
//! bytes, `NN` = number of dimensions), one `u32` per dimension, then the bytes.
//! Images are `0x0803` with dimensions `[n, 28, 28]`, labels `0x0801` with `[n]`.
//! Every check names the file; nothing in a file's contents can panic.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::DataError;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The images of an IDX3 file, row-major `n × side × side`.
pub(crate) fn read_images(path: &Path, side: u32) -> Result<Vec<u8>, DataError> {
    read_idx(path, IMAGES_MAGIC, &[side, side])
}

/// The labels of an IDX1 file, each checked to be below `n_classes`.
pub(crate) fn read_labels(path: &Path, n_classes: usize) -> Result<Vec<u8>, DataError> {
    let labels = read_idx(path, LABELS_MAGIC, &[])?;
    match labels.iter().position(|&l| usize::from(l) >= n_classes) {
        Some(index) => Err(DataError::LabelOutOfRange {
            path: path.to_path_buf(),
            index,
            label: labels[index],
            n_classes,
        }),
        None => Ok(labels),
    }
}

/// The data bytes of an IDX file whose dimensions are `[n, item_dims..]`.
fn read_idx(path: &Path, magic: u32, item_dims: &[u32]) -> Result<Vec<u8>, DataError> {
    let mut reader = open(path)?;
    let truncated = |expected: usize, found: usize| DataError::Truncated {
        path: path.to_path_buf(),
        expected: expected as u64,
        found: found as u64,
    };

    let mut head = [0u8; 4];
    let n = read_full(&mut reader, &mut head).map_err(|e| read_error(path, e, 4, 0))?;
    if n < head.len() {
        return Err(truncated(head.len(), n));
    }
    let found = u32::from_be_bytes(head);
    if found != magic {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found,
        });
    }

    // The magic fixed the number of dimensions: the count, then item_dims.
    let header_len = 4 * (2 + item_dims.len());
    let mut dims_bytes = vec![0u8; header_len - 4];
    let n = read_full(&mut reader, &mut dims_bytes).map_err(|e| read_error(path, e, header_len as u64, 4))?;
    if n < dims_bytes.len() {
        return Err(truncated(header_len, 4 + n));
    }
    let dims: Vec<u32> = dims_bytes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if dims[1..] != *item_dims {
        let mut expected = vec![dims[0]];
        expected.extend_from_slice(item_dims);
        return Err(DataError::BadDimensions {
            path: path.to_path_buf(),
            expected,
            found: dims,
        });
    }

    // u64: a hostile count times 784 must not overflow on any platform.
    let data_len: u64 = dims.iter().map(|&d| u64::from(d)).product();
    let expected_total = header_len as u64 + data_len;
    // Reserve what a plausible file needs, not what a corrupt header claims.
    let mut data = Vec::with_capacity(data_len.min(1 << 26) as usize);
    if let Err(e) = (&mut reader).take(data_len).read_to_end(&mut data) {
        let found = (header_len + data.len()) as u64;
        return Err(read_error(path, e, expected_total, found));
    }
    if (data.len() as u64) < data_len {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected: expected_total,
            found: (header_len + data.len()) as u64,
        });
    }
    let extra = io::copy(&mut reader, &mut io::sink())
        .map_err(|e| read_error(path, e, expected_total, expected_total))?;
    if extra > 0 {
        return Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            expected: expected_total,
            found: expected_total + extra,
        });
    }
    Ok(data)
}

/// The file's decompressed bytes: gzip is recognized by its magic, not its name.
fn open(path: &Path) -> Result<Box<dyn Read>, DataError> {
    let file = File::open(path).map_err(|e| DataError::unreadable(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let start = reader.fill_buf().map_err(|e| DataError::unreadable(path, e))?;
    if start.starts_with(&GZIP_MAGIC) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// Fills `buf` as far as the file allows; returns how many bytes were read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A gzip stream that ends early is a truncated file (a cut download), not an
/// unreadable one; `found` is a lower bound in that case.
fn read_error(path: &Path, e: io::Error, expected: u64, found: u64) -> DataError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        DataError::Truncated {
            path: path.to_path_buf(),
            expected,
            found,
        }
    } else {
        DataError::unreadable(path, e)
    }
}
