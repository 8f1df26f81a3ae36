//! Files the visitor sends and receives (issue 13): picked with the attach button, dropped on the
//! panel or pasted into the box; uploaded with progress (cancel, retry), then sent as a message
//! naming the file. Files in messages show as images (fetched with the visitor's token, shown from
//! a blob URL) or as a download button; the visitor's own file says when it waits for an agent.
//!
//! The two requests are in [`super::js`].

use kefu_protocol::file::human_size;
use kefu_protocol::visitor::upload_answer;
use kefu_protocol::{Attachment, FileState, FromVisitor};
use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::i18n::{tr, Key};
use super::js::{get, put, stop};
use super::{el, new_client_msg_id, render, send_frame, Shared, Widget};

/// A file being uploaded (or that failed: it can be retried).
pub struct Upload {
    key: u32,
    name: String,
    percent: u32,
    error: Option<String>,
    file: web_sys::File,
    xhr: Option<JsValue>,
    progress: Option<Closure<dyn FnMut(u32)>>,
}

fn token(w: &Widget) -> String {
    w.stored_token().unwrap_or_default()
}

fn file_url(w: &Widget, id: &str) -> String {
    format!("{}/api/v1/files/{id}?site_key={}", w.base, js_sys::encode_uri_component(&w.site_key))
}

/// Starts uploading each file (one the site would refuse for its size fails at once).
pub fn add(widget: &Shared, files: Option<web_sys::FileList>) {
    let Some(files) = files else { return };
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        let key = {
            let mut w = widget.borrow_mut();
            let Some(limit) = w.upload_limit else { return };
            if w.needs_topic() && w.category.is_none() {
                w.els.error.set_text_content(Some(tr(w.lang, Key::PickTopic)));
                return;
            }
            w.next_upload += 1;
            let key = w.next_upload;
            let error = (file.size() > limit as f64).then(|| tr(w.lang, Key::ErrTooLarge).to_owned());
            let failed = error.is_some();
            w.uploads.push(Upload { key, name: file.name(), percent: 0, error, file, xhr: None, progress: None });
            if failed {
                render(&w);
                continue;
            }
            key
        };
        start(widget, key);
    }
}

fn start(widget: &Shared, key: u32) {
    let mut w = widget.borrow_mut();
    let url = format!("{}/api/v1/visitor/files?site_key={}&name=", w.base, js_sys::encode_uri_component(&w.site_key),);
    let token = token(&w);
    let Some(upload) = w.uploads.iter_mut().find(|u| u.key == key) else { return };
    upload.error = None;
    upload.percent = 0;
    let url = format!("{url}{}", js_sys::encode_uri_component(&upload.name));
    let progress = {
        let widget = widget.clone();
        Closure::<dyn FnMut(u32)>::new(move |percent| {
            if let Ok(mut w) = widget.try_borrow_mut() {
                if let Some(u) = w.uploads.iter_mut().find(|u| u.key == key) {
                    u.percent = percent;
                }
                render(&w);
            }
        })
    };
    let done = {
        let widget = widget.clone();
        Closure::once_into_js(move |status: u16, text: String| finished(&widget, key, status, &text))
    };
    upload.xhr = Some(put(&url, &token, &upload.file, progress.as_ref(), &done));
    upload.progress = Some(progress);
    render(&w);
}

fn finished(widget: &Shared, key: u32, status: u16, text: &str) {
    let mut w = widget.borrow_mut();
    let Some(at) = w.uploads.iter().position(|u| u.key == key) else { return };
    match upload_answer(status, text) {
        Ok(file) => {
            w.uploads.remove(at);
            let id = new_client_msg_id();
            let frame = FromVisitor::Send {
                conversation_id: None,
                client_msg_id: id.clone(),
                body: file.name.clone(),
                file: Some(file.id.clone()),
            };
            w.log.queue_file(id, file);
            render(&w);
            drop(w);
            send_frame(&frame);
        }
        Err(error) => {
            let lang = w.lang;
            let upload = &mut w.uploads[at];
            upload.xhr = None;
            upload.progress = None;
            upload.error = Some(super::i18n::error_text(lang, &error));
            render(&w);
        }
    }
}

/// Cancels (or drops a failed) upload; retries one.
pub fn on_click(widget: &Shared, target: &Element) {
    let key = |name: &str| target.get_attribute(name).and_then(|k| k.parse::<u32>().ok());
    if let Some(key) = key("data-cancel") {
        let xhr = {
            let mut w = widget.borrow_mut();
            let at = w.uploads.iter().position(|u| u.key == key);
            let xhr = at.and_then(|at| w.uploads.remove(at).xhr);
            render(&w);
            xhr
        };
        // Aborting ends the request at once, and its end finds the upload gone.
        if let Some(xhr) = xhr {
            stop(&xhr);
        }
    } else if let Some(key) = key("data-retry") {
        start(widget, key);
    } else if let (Some(id), Some(name)) = (target.get_attribute("data-file"), target.get_attribute("data-name")) {
        let w = widget.borrow();
        let (doc, parent) = (w.doc.clone(), w.els.list.clone());
        let done = Closure::once_into_js(move |url: String| {
            if !url.is_empty() {
                let _ = super::save(&doc, &parent, &url, &name);
            }
        });
        get(&file_url(&w, &id), &token(&w), &done);
    }
}

/// Fetches the images of the conversation not fetched yet (they show once here).
pub fn fetch_images(widget: &Shared) {
    let wanted: Vec<String> = {
        let w = widget.borrow();
        w.log
            .messages()
            .filter_map(|m| m.file.as_ref())
            .filter(|f| f.state == FileState::Ready && f.is_image())
            .filter(|f| !w.blobs.iter().any(|(id, _)| *id == f.id))
            .map(|f| f.id.clone())
            .collect()
    };
    for id in wanted {
        let mut w = widget.borrow_mut();
        w.blobs.push((id.clone(), String::new()));
        let (url, token) = (file_url(&w, &id), token(&w));
        drop(w);
        let widget = widget.clone();
        let done = Closure::once_into_js(move |blob: String| {
            let mut w = widget.borrow_mut();
            if let Some(entry) = w.blobs.iter_mut().find(|(f, _)| *f == id) {
                entry.1 = blob;
            }
            render(&w);
        });
        get(&url, &token, &done);
    }
}

/// What a message's file shows: the image, a download button, or its state.
pub fn body(w: &Widget, file: &Attachment) -> Result<Element, JsValue> {
    let blob = w.blobs.iter().find(|(id, _)| *id == file.id).map(|(_, b)| b.as_str()).filter(|b| !b.is_empty());
    let label = format!("{} · {}", file.name, human_size(file.size));
    let out = match (file.state, blob) {
        (FileState::Ready, Some(blob)) if file.is_image() => {
            let link = el(&w.doc, "a", "file-image")?;
            link.set_attribute("href", blob)?;
            link.set_attribute("target", "_blank")?;
            let img = el(&w.doc, "img", "")?;
            img.set_attribute("src", blob)?;
            img.set_attribute("alt", &file.name)?;
            link.append_child(&img)?;
            link
        }
        (FileState::Ready, _) if !file.is_image() => {
            let button = super::button(&w.doc, "file-download", &label)?;
            button.set_attribute("data-file", &file.id)?;
            button.set_attribute("data-name", &file.name)?;
            button
        }
        (state, _) => {
            let p = el(&w.doc, "p", "body")?;
            let note = match state {
                FileState::Pending => tr(w.lang, Key::FileAwaiting),
                FileState::Refused => tr(w.lang, Key::FileRefused),
                FileState::Ready => "",
            };
            p.set_text_content(Some(&format!("{label} {note}")));
            p
        }
    };
    Ok(out)
}

/// The uploads under the messages: name, progress and cancel; or why it failed, retry and drop.
pub fn render_uploads(w: &Widget) -> Result<(), JsValue> {
    for u in &w.uploads {
        let li = el(&w.doc, "li", "msg mine pending upload")?;
        let name = el(&w.doc, "p", "body")?;
        name.set_text_content(Some(&u.name));
        li.append_child(&name)?;
        let key = u.key.to_string();
        match &u.error {
            None => {
                let bar = el(&w.doc, "progress", "")?;
                bar.set_attribute("max", "100")?;
                bar.set_attribute("value", &u.percent.to_string())?;
                bar.set_attribute("aria-label", &format!("{} {}", tr(w.lang, Key::Uploading), u.name))?;
                li.append_child(&bar)?;
                let percent = el(&w.doc, "span", "state")?;
                percent.set_text_content(Some(&format!("{}%", u.percent)));
                li.append_child(&percent)?;
                let cancel = super::button(&w.doc, "", tr(w.lang, Key::Cancel))?;
                cancel.set_attribute("data-cancel", &key)?;
                li.append_child(&cancel)?;
            }
            Some(error) => {
                let why = el(&w.doc, "span", "state")?;
                why.set_text_content(Some(&format!("{}: {error}", tr(w.lang, Key::NotSent))));
                li.append_child(&why)?;
                let retry = super::button(&w.doc, "", tr(w.lang, Key::Retry))?;
                retry.set_attribute("data-retry", &key)?;
                let drop = super::button(&w.doc, "", "×")?;
                drop.set_attribute("data-cancel", &key)?;
                drop.set_attribute("aria-label", tr(w.lang, Key::Cancel))?;
                li.append_child(&retry)?;
                li.append_child(&drop)?;
            }
        }
        w.els.list.append_child(&li)?;
    }
    Ok(())
}
