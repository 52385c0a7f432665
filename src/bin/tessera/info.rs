//! `tessera info`: every array in a file or store, as a table or as JSON.

use serde_json::{Value, json};

use tessera::store::{
    self, ArrayEntry, ArrayMeta, AttrElement, AttrShape, Attributes, GroupEntry, StoredType,
};
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
    // Arrays listed, the groups are extra: a failure there is a note, not an error.
    let groups = store::groups(&file).unwrap_or_else(|e| {
        eprintln!("tessera: note: the groups cannot be listed: {e}");
        Vec::new()
    });
    if as_json {
        let arrays: Vec<Value> = entries.iter().map(entry_json).collect();
        let groups: Vec<Value> = groups.iter().map(group_json).collect();
        let doc = json!({
            "path": file.display().to_string(),
            "arrays": arrays,
            "groups": groups,
        });
        crate::emit(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let mut text = table(&file.display().to_string(), &entries);
        text.push_str(&groups_text(&groups));
        crate::emit(&text);
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
            "attribute_types": attribute_types_json(&meta.attributes),
            "unread_attributes": unread_json(&meta.attributes),
            "dimension_names": meta.dimension_names,
            "aliases": entry.aliases,
        }),
        Err(reason) => json!({ "name": entry.name, "error": reason }),
    }
}

fn group_json(group: &GroupEntry) -> Value {
    let dimensions: Vec<Value> = group.dimensions.iter().map(|d| d.to_json()).collect();
    json!({
        "name": group.name,
        "attributes": group.attributes.to_json(),
        "attribute_types": attribute_types_json(&group.attributes),
        "unread_attributes": unread_json(&group.attributes),
        "dimensions": dimensions,
    })
}

/// `[{"name": ..., "reason": ...}]`: the source's attributes tessera did not read.
fn unread_json(attributes: &Attributes) -> Value {
    attributes
        .unread()
        .iter()
        .map(|u| json!({ "name": u.name, "reason": u.reason }))
        .collect()
}

/// `{name: {"dtype": "float32", "shape": [1]}}` for attributes stored with a type;
/// text is `"dtype": "str"`, a null dataspace `"shape": null`, a scalar `[]`.
fn attribute_types_json(attributes: &Attributes) -> Value {
    let types: serde_json::Map<String, Value> = attributes
        .iter()
        .filter_map(|(name, attribute)| {
            let stored = attribute.stored.as_ref()?;
            let dtype = match stored.element {
                AttrElement::Number(dtype) => dtype.name(),
                _ => "str",
            };
            let shape = match &stored.shape {
                AttrShape::Scalar => json!([]),
                AttrShape::Array(shape) => json!(shape),
                AttrShape::Null => Value::Null,
            };
            Some((name.to_string(), json!({ "dtype": dtype, "shape": shape })))
        })
        .collect();
    Value::Object(types)
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
        let name = if entry.name.is_empty() {
            "/"
        } else {
            &entry.name
        };
        let names = entry
            .meta
            .as_ref()
            .ok()
            .and_then(|m| m.dimension_names.as_deref());
        if let Some(names) = names {
            out.push_str(&format!(
                "  dimensions of {name}: ({})\n",
                dimension_list(names)
            ));
        }
        if !entry.aliases.is_empty() {
            out.push_str(&format!(
                "  {name} is also reached as {}\n",
                entry.aliases.join(", ")
            ));
        }
        if let Ok(meta) = &entry.meta
            && has_any(&meta.attributes)
        {
            out.push_str(&format!("  attributes of {name}:\n"));
            attribute_lines(&mut out, &meta.attributes);
        }
    }
    out
}

/// Groups with dimensions or attributes (the root's are a netCDF file's global ones).
fn groups_text(groups: &[GroupEntry]) -> String {
    let mut out = String::new();
    for group in groups {
        let name = if group.name.is_empty() {
            "/"
        } else {
            &group.name
        };
        if !group.dimensions.is_empty() {
            let dims: Vec<String> = group
                .dimensions
                .iter()
                .map(|d| {
                    let grows = if d.unlimited { " (unlimited)" } else { "" };
                    format!("{} = {}{grows}", d.name, d.len)
                })
                .collect();
            out.push_str(&format!(
                "  dimensions of group {name}: {}\n",
                dims.join(", ")
            ));
        }
        if has_any(&group.attributes) {
            out.push_str(&format!("  attributes of group {name}:\n"));
            attribute_lines(&mut out, &group.attributes);
        }
    }
    out
}

/// Whether there are attributes to show, read or not.
fn has_any(attributes: &Attributes) -> bool {
    !attributes.is_empty() || !attributes.unread().is_empty()
}

fn attribute_lines(out: &mut String, attributes: &Attributes) {
    for (key, attribute) in attributes.iter() {
        let stored = attribute.stored.as_ref().map_or(String::new(), stored_type);
        out.push_str(&format!("    {key} = {}{stored}\n", attribute.value));
    }
    for unread in attributes.unread() {
        out.push_str(&format!(
            "    {} not read: {}\n",
            unread.name, unread.reason
        ));
    }
}

/// ` (float32)`, ` (int16, 2x3)`, ` (float64, null dataspace)`; nothing for text.
fn stored_type(stored: &StoredType) -> String {
    let element = match stored.element {
        AttrElement::Number(dtype) => dtype.name().to_string(),
        _ => return String::new(),
    };
    match &stored.shape {
        AttrShape::Null => format!(" ({element}, null dataspace)"),
        AttrShape::Array(shape) if shape.len() > 1 || shape.contains(&0) => {
            format!(" ({element}, {})", dims(shape))
        }
        _ => format!(" ({element})"),
    }
}

fn dimension_list(names: &[Option<String>]) -> String {
    names
        .iter()
        .map(|n| n.as_deref().unwrap_or("-"))
        .collect::<Vec<_>>()
        .join(", ")
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
