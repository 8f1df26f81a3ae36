//! The reply box's canned reply picker: while the draft is `/` and a query (one line), the
//! replies the agent sees for the conversation's site that match it, most used first. ↑/↓ move,
//! Enter or a click inserts the reply with its variables filled (the agent can still edit it), Esc
//! closes. The replies are read once, when the picker first opens.

use kefu_protocol::SiteId;
use leptos::prelude::*;

use crate::canned::api::{canned_for_chat, canned_used};
use crate::canned::{fill, picker_matches, ChatCanned, PickerReply};
use crate::i18n::{tr, use_lang, Key};

/// Most replies listed at once.
const SHOWN: usize = 8;

/// The picker's state, shared by the reply box (its keys) and the list.
#[derive(Clone, Copy)]
pub struct CannedPicker {
    draft: RwSignal<String>,
    site: Signal<Option<SiteId>>,
    /// The visitor's and the agent's names for the variables.
    names: Signal<(String, String)>,
    wanted: RwSignal<bool>,
    data: LocalResource<Option<ChatCanned>>,
    active: RwSignal<usize>,
    /// The draft the agent closed the picker on (it stays closed until the draft changes).
    dismissed: RwSignal<Option<String>>,
}

impl CannedPicker {
    pub fn new(draft: RwSignal<String>, site: Signal<Option<SiteId>>, names: Signal<(String, String)>) -> Self {
        let wanted = RwSignal::new(false);
        let data = LocalResource::new(move || {
            let wanted = wanted.get();
            async move {
                if wanted {
                    canned_for_chat().await.ok()
                } else {
                    None
                }
            }
        });
        let picker =
            CannedPicker { draft, site, names, wanted, data, active: RwSignal::new(0), dismissed: RwSignal::new(None) };
        Effect::new(move |_| {
            if picker.query().is_some() {
                picker.wanted.set(true);
            }
        });
        picker
    }

    /// What follows the `/`, while the draft is one.
    fn query(&self) -> Option<String> {
        let draft = self.draft.get();
        let query = draft.strip_prefix('/')?;
        (!query.contains('\n') && self.dismissed.get().as_deref() != Some(draft.as_str())).then(|| query.to_owned())
    }

    pub fn open(&self) -> bool {
        self.query().is_some()
    }

    fn found(&self) -> Vec<PickerReply> {
        let Some(query) = self.query() else { return Vec::new() };
        let site = self.site.get().map(|s| s.0);
        self.data
            .get()
            .flatten()
            .map(|d| d.replies)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.site_id.is_none() || r.site_id == site)
            .filter(|r| picker_matches(r, &query))
            .take(SHOWN)
            .collect()
    }

    /// The id of the option chosen, for the reply box's `aria-activedescendant`.
    pub fn active_id(&self) -> Option<String> {
        (self.open() && !self.found().is_empty()).then(|| format!("canned-{}", self.active.get()))
    }

    fn insert(&self, reply: &PickerReply) {
        let (visitor, agent) = self.names.get_untracked();
        let site = self.site.get_untracked().map(|s| s.0);
        let site_name = self
            .data
            .get_untracked()
            .flatten()
            .and_then(|d| d.sites.into_iter().find(|(id, _)| Some(*id) == site))
            .map(|(_, name)| name)
            .unwrap_or_default();
        self.draft.set(fill(&reply.body, &visitor, &agent, &site_name));
        self.active.set(0);
        let id = reply.id;
        leptos::task::spawn_local(async move {
            let _ = canned_used(id).await;
        });
    }

    /// Handles a key of the reply box while the picker is open; `true` when it was the picker's.
    pub fn key(&self, ev: &leptos::ev::KeyboardEvent) -> bool {
        if !self.open() || ev.is_composing() {
            return false;
        }
        let found = self.found();
        match ev.key().as_str() {
            "ArrowDown" if !found.is_empty() => self.active.update(|a| *a = (*a + 1) % found.len()),
            "ArrowUp" if !found.is_empty() => self.active.update(|a| *a = (*a + found.len() - 1) % found.len()),
            "Enter" if !ev.shift_key() => {
                match found.get(self.active.get_untracked().min(found.len().saturating_sub(1))) {
                    Some(reply) => self.insert(reply),
                    None => return false,
                }
            }
            "Escape" => self.dismissed.set(Some(self.draft.get_untracked())),
            _ => return false,
        }
        ev.prevent_default();
        true
    }
}

/// The list under the reply box while the picker is open.
#[component]
pub fn CannedList(picker: CannedPicker) -> impl IntoView {
    let lang = use_lang();
    view! {
        <Show when=move || picker.open()>
            <div class="canned-picker">
                <ul role="listbox" id="canned-list" aria-label=tr(lang, Key::NavCanned)>
                    {move || picker.found().into_iter().enumerate().map(|(i, reply)| {
                        let chosen = move || picker.active.get() == i;
                        let (title, body) = (reply.title.clone(), reply.body.clone());
                        view! {
                            <li role="option" id=format!("canned-{i}") aria-selected=move || chosen().to_string()
                                class:active=chosen
                                // Before the reply box loses focus.
                                on:mousedown=move |ev| { ev.prevent_default(); picker.insert(&reply); }>
                                <strong>{title}</strong>
                                <span>{body}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="empty" role="status">
                    {move || (picker.data.get().flatten().is_some() && picker.found().is_empty()).then(|| tr(lang, Key::NoCannedMatch))}
                </p>
            </div>
        </Show>
    }
}
