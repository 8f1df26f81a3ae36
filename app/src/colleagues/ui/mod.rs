//! The colleagues page and the broadcast banners.
