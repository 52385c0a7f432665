//! `tessera info`: every array in a file or store, as a table or as JSON.

use serde_json::{Value, json};

use tessera::store::{self, ArrayEntry, ArrayMeta};
use tessera::text::format_bytes;
use tessera::{Address, Result};

/// Prints the arrays at `path` (an address's array part is ignored).
pub(crate) fn run(path: &str, as_json: bool) -> Result<()> {
    let file = if std::fs::symlink_metadata(path).is_ok() {
        std::path::PathBuf::from(path)
    } else {
        match Address::parse(path) {
            Ok(address) => address.path,
            // Neither a path nor an address: say what is missing.
            Err(_) if !path.contains(':') => {
                return Err(tessera::Error::io(
                    path,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
                ));
            }
            Err(e) => return Err(e),
        }
    };
    let entries = store::list(&file)?;
    if as_json {
        let arrays: Vec<Value> = entries.iter().map(entry_json).collect();
        let doc = json!({ "path": file.display().to_string(), "arrays": arrays });
        crate::emit(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        crate::emit(&table(&file.display().to_string(), &entries));
    }
    Ok(())
}

fn entry_json(entry: &ArrayEntry) -> Value {
    match &entry.meta {
        Ok(meta) => json!({
            "name": entry.name,
            "shape": meta.shape,
            "dtype": meta.dtype.name(),
            "chunks": meta.chunks,
            "num_chunks": num_chunks(meta),
            "codec": meta.codec,
            "layout": meta.layout,
            "logical_bytes": meta.logical_bytes(),
            "stored_bytes": meta.stored_bytes,
            "attributes": meta.attributes.to_json(),
        }),
        Err(reason) => json!({ "name": entry.name, "error": reason }),
    }
}

fn num_chunks(meta: &ArrayMeta) -> u64 {
    meta.grid().map(|g| g.num_chunks()).unwrap_or(0)
}

fn table(path: &str, entries: &[ArrayEntry]) -> String {
    let mut out = format!("{path}: {} array(s)\n", entries.len());
    let header = [
        "array", "shape", "dtype", "chunks", "n chunks", "codec", "logical", "stored",
    ];
    let mut rows: Vec<[String; 8]> = Vec::new();
    for entry in entries {
        let name = if entry.name.is_empty() {
            "/".to_string()
        } else {
            entry.name.clone()
        };
        rows.push(match &entry.meta {
            Ok(meta) => [
                name,
                dims(&meta.shape),
                meta.dtype.name().to_string(),
                format!("{} ({})", dims(&meta.chunks), meta.layout),
                num_chunks(meta).to_string(),
                meta.codec.clone(),
                format_bytes(meta.logical_bytes()),
                meta.stored_bytes.map_or("-".into(), format_bytes),
            ],
            Err(_) => [
                name,
                "unreadable (see below)".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        });
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(&format!("  {}\n", padded.join("  ").trim_end()));
    };
    line(&mut out, &header);
    for row in &rows {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    for entry in entries {
        if let Err(reason) = &entry.meta {
            let name = if entry.name.is_empty() {
                "/"
            } else {
                &entry.name
            };
            out.push_str(&format!("  {name} cannot be read: {reason}\n"));
        }
    }
    for entry in entries {
        if let Ok(meta) = &entry.meta
            && !meta.attributes.is_empty()
        {
            let name = if entry.name.is_empty() {
                "/"
            } else {
                &entry.name
            };
            out.push_str(&format!("  attributes of {name}:\n"));
            for (key, attribute) in meta.attributes.iter() {
                out.push_str(&format!("    {key} = {}\n", attribute.value));
            }
        }
    }
    out
}

fn dims(shape: &[u64]) -> String {
    if shape.is_empty() {
        return "()".into();
    }
    shape
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("x")
}
