//! Each malformed IDX file gets its own error variant, naming the file; none
//! panics. Every test writes its own small files.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use datasets::{DataError, Dataset, DatasetKind, Split};
use flate2::write::GzEncoder;
use flate2::Compression;

const IMAGES: &str = "train-images-idx3-ubyte";
const LABELS: &str = "train-labels-idx1-ubyte";

/// A fresh folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("datasets-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.0.join(name), bytes).expect("write test file");
    }

    fn load(&self) -> Result<Dataset, DataError> {
        Dataset::load(DatasetKind::FashionMnist, Split::Train, Some(&self.0))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

fn images(n: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..n * 784).map(|i| (i % 251) as u8).collect();
    idx(0x803, &[n, 28, 28], &pixels)
}

fn labels(values: &[u8]) -> Vec<u8> {
    idx(0x801, &[values.len() as u32], values)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

/// A folder with three valid images and labels, except what `f` overrides.
fn valid_with(name: &str, f: impl FnOnce(&Scratch)) -> Scratch {
    let s = Scratch::new(name);
    s.write(IMAGES, &images(3));
    s.write(LABELS, &labels(&[9, 0, 3]));
    f(&s);
    s
}

fn assert_names(err: &DataError, file: &str) {
    assert!(err.to_string().contains(file), "`{err}` does not name {file}");
}

#[test]
fn valid_raw_and_gzipped_files_load_identically() {
    let raw = valid_with("valid-raw", |_| {});
    let gz = Scratch::new("valid-gz");
    gz.write(&format!("{IMAGES}.gz"), &gzip(&images(3)));
    gz.write(&format!("{LABELS}.gz"), &gzip(&labels(&[9, 0, 3])));
    let (a, b) = (raw.load().expect("raw loads"), gz.load().expect("gz loads"));
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    assert_eq!(a.labels(), &[9, 0, 3]);
    assert_eq!(a.image(1)[0], (784 % 251) as u8);
}

#[test]
fn missing_folder_is_not_found() {
    let s = Scratch::new("no-folder");
    let gone = s.0.join("absent");
    let err = Dataset::load(DatasetKind::Mnist, Split::Test, Some(&gone)).unwrap_err();
    assert!(matches!(err, DataError::NotFound { .. }), "{err:?}");
    assert_names(&err, "absent");
}

#[test]
fn missing_file_is_named() {
    let s = Scratch::new("missing");
    s.write(IMAGES, &images(3));
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::MissingFile { .. }), "{err:?}");
    assert_names(&err, LABELS);
}

#[test]
fn a_directory_in_place_of_a_file_is_unreadable() {
    let s = valid_with("unreadable-dir", |s| {
        fs::remove_file(s.0.join(IMAGES)).expect("remove");
        fs::create_dir(s.0.join(IMAGES)).expect("mkdir");
    });
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Unreadable { .. }), "{err:?}");
    assert_names(&err, IMAGES);
}

#[test]
fn corrupt_gzip_is_unreadable() {
    let s = valid_with("unreadable-gz", |s| {
        let mut bad = gzip(&images(3));
        bad[3] = 0xff; // reserved header flags: not a valid gzip stream
        s.write(IMAGES, &bad);
    });
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Unreadable { .. }), "{err:?}");
    assert_names(&err, IMAGES);
}

#[test]
fn short_pixel_data_is_truncated() {
    let s = valid_with("truncated", |s| {
        let mut f = images(3);
        f.truncate(f.len() - 10);
        s.write(IMAGES, &f);
    });
    match s.load() {
        Err(DataError::Truncated { expected, found, .. }) => {
            assert_eq!((expected, found), (16 + 3 * 784, 16 + 3 * 784 - 10));
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn short_header_is_truncated() {
    let s = valid_with("truncated-header", |s| s.write(LABELS, &[0, 0, 8, 1, 0, 0]));
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Truncated { .. }), "{err:?}");
    assert_names(&err, LABELS);
}

#[test]
fn empty_file_is_truncated() {
    let s = valid_with("empty", |s| s.write(IMAGES, b""));
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Truncated { .. }), "{err:?}");
}

#[test]
fn cut_gzip_download_is_truncated() {
    let s = valid_with("truncated-gz", |s| {
        let gz = gzip(&images(3));
        s.write(IMAGES, &gz[..gz.len() / 2]);
    });
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Truncated { .. }), "{err:?}");
    assert_names(&err, IMAGES);
}

#[test]
fn extra_bytes_after_the_data_are_rejected() {
    let s = valid_with("trailing", |s| {
        let mut f = labels(&[9, 0, 3]);
        f.push(1);
        s.write(LABELS, &f);
    });
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::TrailingBytes { .. }), "{err:?}");
    assert_names(&err, LABELS);
}

#[test]
fn labels_magic_in_the_images_file_is_bad_magic() {
    let s = valid_with("magic", |s| s.write(IMAGES, &labels(&[1, 2, 3])));
    match s.load() {
        Err(DataError::BadMagic {
            expected,
            found,
            path,
        }) => {
            assert_eq!((expected, found), (0x803, 0x801));
            assert!(path.ends_with(IMAGES));
        }
        other => panic!("expected BadMagic, got {other:?}"),
    }
}

#[test]
fn non_ubyte_data_type_is_bad_magic() {
    // 0x0D = float: a valid IDX file, but not the one expected here.
    let s = valid_with("magic-type", |s| s.write(LABELS, &idx(0x0D01, &[3], &[0; 12])));
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::BadMagic { .. }), "{err:?}");
}

#[test]
fn images_not_28_by_28_are_bad_dimensions() {
    let s = valid_with("dims", |s| {
        s.write(IMAGES, &idx(0x803, &[3, 28, 27], &[0; 3 * 28 * 27]))
    });
    match s.load() {
        Err(DataError::BadDimensions { expected, found, .. }) => {
            assert_eq!((expected, found), (vec![3, 28, 28], vec![3, 28, 27]));
        }
        other => panic!("expected BadDimensions, got {other:?}"),
    }
}

#[test]
fn a_huge_claimed_count_is_truncated_not_an_allocation() {
    let s = valid_with("huge", |s| {
        s.write(IMAGES, &idx(0x803, &[u32::MAX, 28, 28], &[0; 784]))
    });
    let err = s.load().unwrap_err();
    assert!(matches!(err, DataError::Truncated { .. }), "{err:?}");
}

#[test]
fn more_images_than_labels_is_a_count_mismatch() {
    let s = valid_with("count", |s| s.write(LABELS, &labels(&[1, 2])));
    match s.load() {
        Err(DataError::CountMismatch { images, labels, .. }) => {
            assert_eq!((images, labels), (3, 2))
        }
        other => panic!("expected CountMismatch, got {other:?}"),
    }
}

#[test]
fn label_ten_is_out_of_range() {
    let s = valid_with("label", |s| s.write(LABELS, &labels(&[9, 10, 3])));
    let err = s.load().unwrap_err();
    assert_names(&err, LABELS);
    assert!(
        matches!(
            err,
            DataError::LabelOutOfRange {
                index: 1,
                label: 10,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn test_split_reads_the_t10k_files() {
    let s = Scratch::new("t10k");
    s.write("t10k-images-idx3-ubyte", &images(2));
    s.write("t10k-labels-idx1-ubyte.gz", &gzip(&labels(&[4, 5])));
    let ds = Dataset::load(DatasetKind::Mnist, Split::Test, Some(Path::new(&s.0))).expect("loads");
    assert_eq!(ds.labels(), &[4, 5]);
}
