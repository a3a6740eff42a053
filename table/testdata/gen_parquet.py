"""Writes the Parquet files of table's tests (python3 gen_parquet.py, in this folder).

The files are committed, so the tests need no Python; rerun this only to
change them, and update the expected values in parquet_test.go with it.
Each file exercises what a writer other than parquet-go produces: pyarrow's
types, nulls, dictionary pages, several row groups and pages, and the
snappy, zstd and gzip codecs, in data pages v2 and v1.
"""
import datetime
import decimal
import math

import pyarrow as pa
import pyarrow.parquet as pq


def types_file():
    # One column per mapping of parquet.go's classify, nulls in each.
    s = pa.schema([
        ("i32", pa.int32()),
        ("i64", pa.int64()),
        ("u32", pa.uint32()),
        ("i8", pa.int8()),
        ("f32", pa.float32()),
        ("f64", pa.float64()),
        ("flag", pa.bool_()),
        ("s", pa.string()),
        ("bin", pa.binary()),
        ("dec", pa.decimal128(9, 2)),
        ("day", pa.date32()),
        ("ts", pa.timestamp("ms")),
        ("tags", pa.list_(pa.int32())),
        ("pt", pa.struct([("x", pa.float64())])),
    ])
    rows = {
        "i32": [1, -2, None, 2147483647],
        "i64": [10, None, -30, 9007199254740993],
        "u32": [4000000000, 0, None, 1],
        "i8": [-128, 127, None, 0],
        "f32": [0.1, float("nan"), None, -2.5],
        "f64": [1.5, float("nan"), float("inf"), None],
        "flag": [True, False, None, True],
        "s": ["  padded ", "NA", None, "\u00e9t\u00e9"],
        "bin": [b"raw", b"", None, b"?"],
        "dec": [decimal.Decimal("1.25"), decimal.Decimal("-0.01"), None,
                decimal.Decimal("9999999.99")],
        "day": [datetime.date(2020, 1, 1), None, datetime.date(1970, 1, 2),
                datetime.date(2000, 2, 29)],
        "ts": [datetime.datetime(2020, 1, 1, 12), None, None, None],
        "tags": [[1, 2], [], None, [3]],
        "pt": [{"x": 1.0}, None, {"x": None}, {"x": 2.0}],
    }
    t = pa.table(rows, schema=s)
    pq.write_table(t, "types.parquet", compression="snappy")


def dict_zstd_file():
    # 2,000 rows in row groups of 500 and pages of about 1 KiB (x and dec
    # span several), cat and k dictionary encoded, zstd, data pages v2:
    # parquet_test.go recomputes each value from its row.
    n = 2000
    cats = ["a", "b", "NA", " c ", None]
    cat = [cats[i % 5] for i in range(n)]
    x = [None if i % 7 == 0 else (math.nan if i % 11 == 0 else i * 0.5)
         for i in range(n)]
    k = [i % 13 - 6 for i in range(n)]
    dec = [decimal.Decimal(i * 7 - 5000).scaleb(-3) for i in range(n)]
    t = pa.table({
        "cat": pa.array(cat, pa.string()),
        "x": pa.array(x, pa.float64()),
        "k": pa.array(k, pa.int64()),
        "dec": pa.array(dec, pa.decimal128(12, 3)),
    })
    pq.write_table(t, "dict_zstd.parquet", compression="zstd", row_group_size=500,
                   data_page_size=1024, write_batch_size=128, use_dictionary=["cat", "k"],
                   store_decimal_as_integer=True, data_page_version="2.0")


def v1_gzip_file():
    # Data pages v1, no dictionary, gzip, and the legacy INT96 timestamps.
    t = pa.table({
        "name": pa.array(["x", None, "null", "y,z"], pa.string()),
        "ok": pa.array([False, True, True, None], pa.bool_()),
        "v": pa.array([1.0, 2.0, None, -4.0], pa.float64()),
        "when": pa.array([datetime.datetime(2001, 1, 1)] * 4, pa.timestamp("us")),
    })
    pq.write_table(t, "v1_gzip.parquet", compression="gzip", use_dictionary=False,
                   data_page_version="1.0", use_deprecated_int96_timestamps=True)


def dup_file():
    # Parquet allows two columns of one name; table rejects them, as in CSV,
    # unless opened with DuplicateNames.
    t = pa.Table.from_arrays([pa.array([1, 2]), pa.array(["a", "b"]), pa.array([3.0, 4.0])],
                             names=["x", "y", "x"])
    pq.write_table(t, "dup.parquet")


if __name__ == "__main__":
    types_file()
    dict_zstd_file()
    v1_gzip_file()
    dup_file()
