//! Minifies the widget's stylesheet into the build (comments and needless spaces out): the CSS
//! ships inside the WASM, on every customer page, so its bytes count.

fn main() {
    let source = "../style/widget.css";
    println!("cargo:rerun-if-changed={source}");
    let css = std::fs::read_to_string(source).expect("style/widget.css");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("widget.min.css");
    std::fs::write(out, minify(&css)).expect("write the minified stylesheet");
}

/// Drops comments, turns each run of whitespace into one space, and drops the spaces next to
/// `{`, `}`, `;`, `,` and after `:` (never before it: `a :hover` is not `a:hover`).
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start + 2..].split_once("*/").map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let glued = out.ends_with(['{', '}', ';', ',', ':']) || word.starts_with(['{', '}', ';', ',']);
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
