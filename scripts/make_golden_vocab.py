#!/usr/bin/env python3
"""Writes vocabulary-only GGUF files (tokenizer + chat template, no tensors), the
kind llama.cpp ships for its tokenizer tests, from the models in models/.
Used by the end-to-end tests of `minke info/tokenize/template` on such files.
Oracle: the `gguf` Python package (its GGUFReader reads the source, its
GGUFWriter writes the copy)."""
import pathlib

import gguf

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "data" / "vocab"

SOURCES = {
    "smollm2-vocab.gguf": "SmolLM2-135M-Instruct.Q4_1.gguf",
}


def copy_vocab(src: pathlib.Path, dst: pathlib.Path) -> None:
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch)
    writer.add_name(f"{src.stem} vocabulary")
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        value = field.contents()
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, value, vtype, sub_type=field.types[-1])
        else:
            writer.add_key_value(key, value, vtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, model in SOURCES.items():
        copy_vocab(ROOT / "models" / model, OUT / name)
        print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
