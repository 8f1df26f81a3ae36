//! The files area's UI: a site's rules page, and the pieces the chat panel uses (the attach button
//! with its uploads, and a message's file).
