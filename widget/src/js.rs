//! The widget's few lines of JavaScript, in one module beside the WASM (wasm-bindgen ships it as a
//! snippet file; `make widget-release` minifies it). Each does a browser job that costs far more
//! bytes written in Rust: an upload with progress (`XMLHttpRequest`: fetch reports none), a download
//! with the visitor's token, and the emoji picker, which touches nothing of the chat's state. Text
//! from outside is only ever set as text.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(
    inline_js = "export function put(u,t,f,p,d){const x=new XMLHttpRequest();x.open('POST',u);x.setRequestHeader('Authorization','Bearer '+t);x.upload.onprogress=e=>e.lengthComputable&&p(Math.floor(e.loaded*100/e.total));x.onloadend=()=>d(x.status,x.responseText);x.send(f);return x}
export function stop(x){x.abort()}
export function get(u,t,d){fetch(u,{headers:{Authorization:'Bearer '+t}}).then(r=>r.ok?r.blob():Promise.reject()).then(b=>d(URL.createObjectURL(b)),()=>d(''))}
export function picker(b,p,s,g,t,u){let l=null;const k='kefu:emoji',st=()=>{try{return localStorage}catch(e){return null}};
const show=o=>{p.hidden=!o;b.setAttribute('aria-expanded',o)};
const fill=()=>{const q=s.value.trim().toLowerCase(),r=((st()&&st().getItem(k))||'').split(' ');g.textContent='';
const o=q?[]:r.map(e=>l.find(x=>x[0]==e)).filter(Boolean);for(const x of l)if((!q||x[1].toLowerCase().includes(q))&&!o.includes(x))o.push(x);
for(const[e,n]of o){const x=document.createElement('button');x.type='button';x.textContent=e;x.title=n;x.setAttribute('aria-label',n);x.dataset.e=e;g.append(x)}};
b.onclick=()=>{const o=p.hidden;show(o);if(!o)return;s.focus();if(l)return fill();
fetch(u).then(r=>r.json()).then(j=>{l=j;fill()},()=>{})};
s.oninput=()=>l&&fill();
g.onclick=ev=>{const e=ev.target.closest('[data-e]');if(!e)return;const v=e.dataset.e;t.setRangeText(v,t.selectionStart,t.selectionEnd,'end');
const r=((st()&&st().getItem(k))||'').split(' ').filter(x=>x&&x!=v);r.unshift(v);st()&&st().setItem(k,r.slice(0,8).join(' '));show(false);t.focus()};
p.onkeydown=ev=>{if(ev.key=='Escape'){ev.preventDefault();show(false);b.focus();return}
const d={ArrowRight:1,ArrowLeft:-1,ArrowDown:8,ArrowUp:-8}[ev.key];if(!d)return;const a=[...g.querySelectorAll('button')],i=a.indexOf(ev.target);
const n=i<0?(d==8?0:-1):Math.max(0,Math.min(a.length-1,i+d));if(n>=0&&a[n]){ev.preventDefault();a[n].focus()}}}
"
)]
extern "C" {
    /// Uploads `file` (progress in percent to `progress`, then status and body to `done`).
    pub fn put(url: &str, token: &str, file: &web_sys::File, progress: &JsValue, done: &JsValue) -> JsValue;
    /// Aborts an upload.
    pub fn stop(xhr: &JsValue);
    /// Fetches with the visitor's token; `done` gets a blob URL ('' on failure).
    pub fn get(url: &str, token: &str, done: &JsValue);
    /// Wires the emoji picker: the list (names in the page's language) is fetched from `url` when
    /// first opened; recent ones first (kept in this browser); the search filters by name; arrows
    /// move, a click or Enter puts one in at the cursor, Esc closes.
    pub fn picker(
        button: &web_sys::Element,
        popup: &web_sys::Element,
        search: &web_sys::Element,
        grid: &web_sys::Element,
        input: &web_sys::Element,
        url: &str,
    );
}
