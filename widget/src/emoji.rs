//! The widget's emoji picker (issue 13 "Emoji"): the list, with names in the page's language, is
//! fetched when the visitor first opens it (pages that never do never pay for it); recent ones
//! first (kept in this browser); the search box filters by name; arrows move between them, a click
//! or Enter puts one in at the cursor, Esc closes.
//!
//! It touches nothing of the chat's state, so it is JavaScript ([`super::js::picker`]): the same in
//! Rust cost the widget 3.8 KB gzip.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::js::picker;

/// Wires the picker's elements (from the widget's markup) to the reply box.
pub fn wire(panel: &Element, input: &Element, url: &str) -> Result<(), JsValue> {
    let q = |s: &str| panel.query_selector(s).ok().flatten().ok_or_else(|| JsValue::from_str(s));
    picker(&q(".emoji-button")?, &q(".emoji-panel")?, &q(".emoji-panel input")?, &q(".emoji-grid")?, input, url);
    Ok(())
}
