"""Writes the seed corpus (corpus/) and the hand-made reproducers of the reader bugs reported in
the reliability issue (crashes/) for fuzz_npz. Run once; the files are kept in the repository.

    python3 tests/fuzz/make_inputs.py
"""
import io
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def npy(a):
    b = io.BytesIO()
    np.save(b, a, allow_pickle=False)
    return b.getvalue()


def npz(arrays, compressed=False):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


def npy_header(header, data=b"", version=1):
    h = header.encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(h)) + h + data


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(data)


traj = {"qpos": np.arange(12.0).reshape(4, 3), "qvel": np.zeros((4, 3), np.float32), "split_points": np.array([0, 4]),
        "joint_names": np.array(["a", "bc", "def"]), "frequency": np.float64(30.0), "flag": np.array([True, False])}
write("corpus/npz", "stored.npz", npz(traj))
write("corpus/npz", "deflate.npz", npz(traj, compressed=True))
write("corpus/npz", "int32.npy", npy(np.arange(6, dtype=np.int32).reshape(2, 3)))
write("corpus/npz", "strings.npy", npy(np.array(["shoulder", "elbow"])))
write("corpus/npz", "scalar.npy", npy(np.float64(2.5)))
v2 = io.BytesIO()
np.lib.format.write_array(v2, np.array([1.0, 2.0], np.float32), version=(2, 0))
write("corpus/npz", "v2.npy", v2.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    with z.open("big.npy", "w", force_zip64=True) as f:
        f.write(npy(np.ones(50)))
write("corpus/npz", "zip64.npz", b.getvalue())

# -- reproducers of the reported bugs --
good = npz({"a": np.arange(4.0)})
# a zip entry whose central-directory extra-field length points far past the buffer
cd = good.rfind(b"PK\x01\x02")
bad = bytearray(good)
bad[cd + 30:cd + 32] = struct.pack("<H", 0xFFF0)
write("crashes", "extra_field_length.npz", bytes(bad))
# a joint_names header claiming 100,000 strings over 80 bytes of data
write("crashes", "strings_overflow.npy", npy_header("{'descr': '<U20', 'fortran_order': False, 'shape': (100000,), }", b"a\0\0\0" * 20))
# a 12-byte .npy whose header length field asks for 4 GB (format 2)
write("crashes", "header_4gb.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff")
# a shape of 2^62 elements
write("crashes", "shape_huge.npy", npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }"))
# an entry that declares 4 GB uncompressed over a few bytes of deflate data
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.npy", npy(np.zeros(8)))
raw = bytearray(b.getvalue())
for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    p = raw.find(sig)
    raw[p + off:p + off + 4] = struct.pack("<I", 0xFFFFFFF0)
write("crashes", "declares_4gb.npz", bytes(raw))
# offsets near 2^32 (wrap-around of offset + length checks)
raw = bytearray(good)
p = raw.rfind(b"PK\x05\x06")
raw[p + 16:p + 20] = struct.pack("<I", 0xFFFFFFF0)
write("crashes", "cd_offset_wrap.npz", bytes(raw))
raw = bytearray(good)
p = raw.rfind(b"PK\x01\x02")
raw[p + 42:p + 46] = struct.pack("<I", 0xFFFFFFFE)
write("crashes", "local_offset_wrap.npz", bytes(raw))
# truncated archives and headers
write("crashes", "truncated.npz", good[: len(good) // 2])
write("crashes", "malformed_shape.npy", npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }", b"\0" * 24))
write("crashes", "no_descr_quote.npy", npy_header("{'descr': <f8, 'fortran_order': False, 'shape': (1,), }", b"\0" * 8))
write("crashes", "bad_dtype.npy", npy_header("{'descr': '<U99999999999', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8))
print("wrote", HERE)
