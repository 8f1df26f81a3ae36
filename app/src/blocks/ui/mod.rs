//! The blocks page (seed 000 16.5 "封锁访客管理"): the blocks in force with whom, where, why, who,
//! since and until, each with an unblock button, and the form that bans an address or range. And
//! the form an agent blocks the visitor of a chat with (seed 000 7.6), shown in the chat panel.

use kefu_protocol::VisitorId;
use leptos::prelude::*;

use super::api::{list_blocks, AddBlock, LiftBlock};
use super::{BlockFor, BlockForm, BlockTarget, BlockView, REASON_CHARS};
use crate::i18n::{tr, use_lang, Key, Lang};
use crate::kit::form::{action_error, error_outside, on_success, Field, SelectField};
use crate::kit::{date_time_text, visitor_label, EmptyState};

fn duration_text(lang: Lang, duration: BlockFor) -> &'static str {
    tr(
        lang,
        match duration {
            BlockFor::Hour => Key::ForHour,
            BlockFor::Day => Key::ForDay,
            BlockFor::Week => Key::ForWeek,
            BlockFor::Forever => Key::ForGood,
        },
    )
}

fn duration_options(lang: Lang) -> Vec<(String, String)> {
    BlockFor::ALL.into_iter().map(|d| (d.as_str().to_owned(), duration_text(lang, d).to_owned())).collect()
}

/// Whom a block is for, in words: the visitor, or the address or range.
fn target_text(lang: Lang, block: &BlockView) -> String {
    match (&block.net, block.visitor_id) {
        (Some(net), _) => net.clone(),
        (None, Some(id)) => visitor_label(lang, block.visitor_name.as_deref(), VisitorId(id)),
        (None, None) => String::new(),
    }
}

#[component]
pub fn BlocksPage() -> impl IntoView {
    let lang = use_lang();
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        list_blocks()
    });
    let notice = RwSignal::new(None::<&'static str>);
    let lift = ServerAction::<LiftBlock>::new();
    let lift_error = action_error(lift);
    on_success(lift, move |_| {
        notice.set(Some(tr(lang, Key::UnblockDone)));
        reload.update(|n| *n += 1);
    });
    let on_added = Callback::new(move |_| {
        notice.set(Some(tr(lang, Key::BlockDone)));
        reload.update(|n| *n += 1);
    });
    view! {
        <section class="blocks admin" aria-labelledby="blocks-title">
            <h2 id="blocks-title">{tr(lang, Key::NavBlocks)}</h2>
            <p class="notice" aria-live="polite">{move || notice.get()}</p>
            <p role="alert" class="error">{move || error_outside(lang, lift_error.get(), &[])}</p>
            <BanForm on_added/>
            <Suspense>
                {move || Suspend::new(async move {
                    let blocks = list.await.unwrap_or_default();
                    if blocks.is_empty() {
                        return view! { <EmptyState text=tr(lang, Key::NoBlocks)/> }.into_any();
                    }
                    let rows = blocks.into_iter().map(|b| {
                        let who = target_text(lang, &b);
                        let label = format!("{} {who}", tr(lang, Key::Unblock));
                        let id = b.id;
                        view! {
                            <tr>
                                <td>{who}</td>
                                <td>{b.site_name.clone().unwrap_or_else(|| tr(lang, Key::ScopeAll).to_owned())}</td>
                                <td class="reason">{b.reason.clone()}</td>
                                <td>{b.by_name.clone().unwrap_or_default()}</td>
                                <td>{date_time_text(b.created_at)}</td>
                                <td>{b.until.map_or_else(|| tr(lang, Key::ForGood).to_owned(), date_time_text)}</td>
                                <td class="buttons">
                                    <button type="button" aria-label=label
                                        on:click=move |_| { notice.set(None); lift.dispatch(LiftBlock { id }); }>
                                        {tr(lang, Key::Unblock)}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <div class="table-wrap">
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">{tr(lang, Key::BlockedWho)}</th>
                                        <th scope="col">{tr(lang, Key::SiteFilter)}</th>
                                        <th scope="col">{tr(lang, Key::BlockReason)}</th>
                                        <th scope="col">{tr(lang, Key::BlockedBy)}</th>
                                        <th scope="col">{tr(lang, Key::BlockedAt)}</th>
                                        <th scope="col">{tr(lang, Key::BlockedUntil)}</th>
                                        <th scope="col">{tr(lang, Key::Actions)}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// Bans an address or range, on one site or every site.
#[component]
fn BanForm(on_added: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let add = ServerAction::<AddBlock>::new();
    let error = action_error(add);
    let sites = LocalResource::new(crate::sites::api::my_sites);
    let site_options = Signal::derive(move || {
        let mut options = vec![(String::new(), tr(lang, Key::ScopeAll).to_owned())];
        if let Some(Ok(sites)) = sites.get() {
            options.extend(sites.into_iter().map(|s| (s.id.to_string(), s.name)));
        }
        options
    });
    let (net, site, reason) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let duration = RwSignal::new(BlockFor::default().as_str().to_owned());
    on_success(add, move |_| {
        net.set(String::new());
        reason.set(String::new());
        on_added.run(());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = BlockForm {
            target: BlockTarget::Address { net: net.get_untracked(), site_id: site.get_untracked().parse().ok() },
            reason: reason.get_untracked(),
            duration: BlockFor::parse(&duration.get_untracked()).unwrap_or_default(),
        };
        add.dispatch(AddBlock { form });
    };
    view! {
        <form class="editor" aria-label=tr(lang, Key::BanAddress) on:submit=submit>
            <h3>{tr(lang, Key::BanAddress)}</h3>
            <Field label=tr(lang, Key::Address) name="net" bind=net maxlength=64 required=true
                hint=tr(lang, Key::AddressHint) error/>
            <SelectField label=tr(lang, Key::SiteFilter) name="site_id" bind=site options=site_options error/>
            <Field label=tr(lang, Key::BlockReason) name="reason" bind=reason maxlength=REASON_CHARS required=true error/>
            <SelectField label=tr(lang, Key::BlockDuration) name="duration" bind=duration
                options=Signal::stored(duration_options(lang)) error/>
            <div class="buttons">
                <button type="submit" disabled=move || add.pending().get()>{tr(lang, Key::BlockConfirm)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["net", "site_id", "reason"])}</p>
        </form>
    }
}

/// The chat panel's "Block visitor" button (for roles that may block) and its form.
#[component]
pub fn BlockVisitorTool(visitor_id: VisitorId) -> impl IntoView {
    let lang = use_lang();
    let live = expect_context::<crate::kit::live::Live>();
    let open = RwSignal::new(false);
    let may = move || live.agent.with(|a| a.as_ref().is_some_and(|a| a.can(kefu_protocol::Perm::BlockManage)));
    move || {
        may().then(|| {
            view! {
                <div class="chat-tool">
                    <button type="button" class="block" aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>
                        {tr(lang, Key::BlockVisitor)}
                    </button>
                    <Show when=move || open.get()>
                        <BlockVisitorForm
                            visitor_id
                            on_done=Callback::new(move |_| {
                                open.set(false);
                                live.notify(tr(lang, Key::BlockDone).to_owned());
                            })
                            on_cancel=Callback::new(move |_| open.set(false))
                        />
                    </Show>
                </div>
            }
        })
    }
}

/// Blocks the visitor of a chat with a reason and a duration; the chat ends (seed 000 7.6).
#[component]
pub fn BlockVisitorForm(visitor_id: VisitorId, on_done: Callback<()>, on_cancel: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let add = ServerAction::<AddBlock>::new();
    let error = action_error(add);
    let reason = RwSignal::new(String::new());
    let duration = RwSignal::new(BlockFor::default().as_str().to_owned());
    on_success(add, move |_| on_done.run(()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = BlockForm {
            target: BlockTarget::Visitor { visitor_id: visitor_id.0 },
            reason: reason.get_untracked(),
            duration: BlockFor::parse(&duration.get_untracked()).unwrap_or_default(),
        };
        add.dispatch(AddBlock { form });
    };
    view! {
        <form class="block-form" aria-label=tr(lang, Key::BlockVisitor) on:submit=submit>
            <Field label=tr(lang, Key::BlockReason) name="reason" bind=reason maxlength=REASON_CHARS required=true error/>
            <SelectField label=tr(lang, Key::BlockDuration) name="duration" bind=duration
                options=Signal::stored(duration_options(lang)) error/>
            <div class="buttons">
                <button type="submit" class="danger" disabled=move || add.pending().get()>{tr(lang, Key::BlockConfirm)}</button>
                <button type="button" on:click=move |_| on_cancel.run(())>{tr(lang, Key::Cancel)}</button>
            </div>
            <p role="alert" class="error">{move || error_outside(lang, error.get(), &["reason"])}</p>
        </form>
    }
}
