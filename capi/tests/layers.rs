//! Import cycles between `capi/src` modules (the layering rule in `src/lib.rs`): reads every
//! module's `crate::` / `super::` paths, builds the module graph and finds its strongly
//! connected components: any cycle fails. Test-only modules are left out; `$crate::` paths
//! inside macros are the caller's.
//!
//! The last cycle (issue 9 item 6; 23 modules, then 18, 16, 11) went when the object structs
//! and the C callback types they hold moved to `ssl::objects`, the plain state they hold to
//! `ssl::state`, `passthru` read `SSL_CONF_CTX` flags through a reader `ssl::conf` registers,
//! `SSL_CIPHER_find` moved to `compat` and the end of the ClientHello callbacks to
//! `hello_finish`.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read capi/src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `ssl/ctx.rs` -> `ssl::ctx`, `ssl/mod.rs` -> `ssl`, `lib.rs` -> ``.
fn module_name(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).expect("under src");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn is_test_file(rel: &str) -> bool {
    rel.contains("/tests/") || rel.starts_with("tests/") || rel.ends_with("tests.rs")
}

/// Source without comments and without a trailing `#[cfg(test)] mod tests`.
fn code_of(src: &str) -> String {
    let src = match src.find("#[cfg(test)]\nmod tests") {
        Some(i) => &src[..i],
        None => src,
    };
    src.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses the path that starts at `s` (just after `crate::` or `super::`), appending every
/// full path (braces expanded) to `out` with `prefix` in front.
fn parse_paths(s: &[char], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        while i < s.len() && s[i].is_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == '{' {
            i += 1;
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    return i + 1;
                }
                let next = parse_paths(s, i, path.clone(), out);
                // A glob or stray token: step over it.
                i = next.max(i + 1);
            }
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        if i == start {
            out.push(path);
            return i;
        }
        path.push(s[start..i].iter().collect());
        if s.len() > i + 1 && s[i] == ':' && s[i + 1] == ':' {
            i += 2;
        } else {
            out.push(path);
            // Skip `as name` and anything else up to the next separator.
            while i < s.len() && !matches!(s[i], ',' | '}' | ';') && s[i] != '\n' {
                if s[i] == '{' {
                    break;
                }
                i += 1;
            }
            return i;
        }
    }
}

/// Every `crate::`/`super::` path of module `me`, as absolute segment lists.
fn paths_of(me: &str, code: &str) -> Vec<Vec<String>> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let prev_ok = i == 0 || !(is_ident(s[i - 1]) || s[i - 1] == '$' || s[i - 1] == ':');
        let rest: String = s[i..(i + 7).min(s.len())].iter().collect();
        if prev_ok && rest.starts_with("crate::") {
            i = parse_paths(&s, i + 7, Vec::new(), &mut out);
            continue;
        }
        if prev_ok && rest.starts_with("super::") {
            // `super` of module `a::b` (a/b.rs or a/b/mod.rs) is `a`.
            let mut base: Vec<String> = me
                .split("::")
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            base.pop();
            let mut j = i + 7;
            while s[j..].iter().take(7).collect::<String>() == "super::" {
                base.pop();
                j += 7;
            }
            i = parse_paths(&s, j, base, &mut out);
            continue;
        }
        i += 1;
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_name(&root, f), f.clone()))
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (me, file) in &modules {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if is_test_file(&rel) {
            continue;
        }
        let src = std::fs::read_to_string(file).expect("read module");
        let deps = edges.entry(me.clone()).or_default();
        for mut path in paths_of(me, &code_of(&src)) {
            // Longest prefix naming a module.
            while !path.is_empty() && !modules.contains_key(&path.join("::")) {
                path.pop();
            }
            let target = path.join("::");
            // Own module, the crate root and own ancestors are not edges.
            if path.is_empty() || &target == me || me.starts_with(&format!("{target}::")) {
                continue;
            }
            deps.insert(target);
        }
    }
    edges
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct St<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(st: &mut St<'a>, v: &'a str) {
        let n = st.index.len();
        st.index.insert(v, n);
        st.low.insert(v, n);
        st.stack.push(v);
        st.on.insert(v);
        let edges = st.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !st.index.contains_key(w) {
                visit(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if st.on.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = BTreeSet::new();
            loop {
                let w = st.stack.pop().unwrap();
                st.on.remove(w);
                comp.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                st.out.push(comp);
            }
        }
    }
    let mut st = St {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(&mut st, v);
        }
    }
    st.out
}

#[test]
fn parser_reads_nested_use_lists() {
    let code = "use super::{ctx::{self, lock}, ssl::SSL};\nuse crate::error::put_error;\nlet x = $crate::entry::on_null;";
    let got = paths_of("ssl::session", code);
    let want: Vec<Vec<String>> = [
        vec!["ssl", "ctx", "self"],
        vec!["ssl", "ctx", "lock"],
        vec!["ssl", "ssl", "SSL"],
        vec!["error", "put_error"],
    ]
    .iter()
    .map(|v| v.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(got, want);
}

#[test]
fn finds_a_planted_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    g.entry("d".into()).or_default().insert("a".into());
    let c = cycles(&g);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0],
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    );
}

#[test]
fn no_import_cycles() {
    let edges = graph();
    assert!(
        edges.len() > 50,
        "module scan found only {} modules",
        edges.len()
    );
    let found = cycles(&edges);
    assert!(
        found.is_empty(),
        "import cycles {found:?}; depend only downward (objects and their state, then the \
         driver, then the exported families)"
    );
}
