//! Uploaded images made safe to serve: the bytes are sniffed (PNG, JPEG, GIF or WebP, whatever the
//! name or type the browser claimed), decoded within limits, and re-encoded by the server, so what
//! is served is a PNG of the pixels and nothing else (no script, no metadata, no polyglot).

use std::io::Cursor;

use image::{imageops::FilterType, ImageFormat, ImageReader};
use kefu_protocol::{ApiError, ErrorCode};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Side of a stored avatar, in pixels.
pub const AVATAR_SIDE: u32 = 160;

/// An uploaded image as a square PNG avatar (`field` names the upload in errors): `TooLong` over
/// [`MAX_UPLOAD_BYTES`], `Format` for anything that is not a PNG, JPEG, GIF or WebP image.
pub fn avatar_png(upload: &[u8], field: &str) -> Result<Vec<u8>, ApiError> {
    if upload.is_empty() {
        return Err(ApiError::invalid(field, ErrorCode::Required));
    }
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::invalid(field, ErrorCode::TooLong));
    }
    let bad = || ApiError::invalid(field, ErrorCode::Format);
    let mut reader = ImageReader::new(Cursor::new(upload)).with_guessed_format().map_err(|_| bad())?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)) {
        return Err(bad());
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8000);
    limits.max_image_height = Some(8000);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| bad())?;
    let square = decoded.resize_to_fill(AVATAR_SIDE, AVATAR_SIDE, FilterType::Lanczos3);
    let mut png = Vec::new();
    square.to_rgba8().write_to(&mut Cursor::new(&mut png), ImageFormat::Png).map_err(|_| ApiError::Internal)?;
    Ok(png)
}

/// Whether `bytes` are a PNG, JPEG, GIF or WebP image whose header reads (its size known, at most
/// 20,000 pixels a side): what a chat file must be to be shown inline. Only the header is read.
pub fn is_image(bytes: &[u8]) -> bool {
    let Ok(reader) = ImageReader::new(Cursor::new(bytes)).with_guessed_format() else { return false };
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)) {
        return false;
    }
    reader.into_dimensions().is_ok_and(|(w, h)| w > 0 && h > 0 && w <= 20_000 && h <= 20_000)
}

/// The workbench's app icon, `side` pixels square, as a PNG: a blue rounded square with a white
/// speech bubble (drawn here, so no binary file ships). For the install manifest.
pub fn app_icon(side: u32) -> Vec<u8> {
    let s = side as f32;
    let inside_rounded = |x: f32, y: f32, (x0, y0, x1, y1): (f32, f32, f32, f32), r: f32| {
        let cx = x.clamp(x0 + r, x1 - r);
        let cy = y.clamp(y0 + r, y1 - r);
        x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx).powi(2) + (y - cy).powi(2) <= r * r
    };
    let icon = image::RgbaImage::from_fn(side, side, |px, py| {
        let (x, y) = (px as f32 + 0.5, py as f32 + 0.5);
        let bubble = inside_rounded(x, y, (0.2 * s, 0.24 * s, 0.8 * s, 0.66 * s), 0.1 * s);
        // The bubble's tail, down and to the left.
        let (tx, ty) = ((x - 0.3 * s) / s, (y - 0.64 * s) / s);
        let tail = (0.0..0.14).contains(&ty) && tx >= 0.0 && tx <= 0.16 - ty * 1.1;
        if bubble || tail {
            image::Rgba([255, 255, 255, 255])
        } else if inside_rounded(x, y, (0.0, 0.0, s, s), 0.2 * s) {
            image::Rgba([9, 105, 218, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut png = Vec::new();
    let _ = icon.write_to(&mut Cursor::new(&mut png), ImageFormat::Png);
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 99]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    #[test]
    fn images_become_square_pngs_and_everything_else_is_refused() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif] {
            let png = avatar_png(&encoded(format, 300, 200), "avatar").unwrap();
            let back = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap();
            assert_eq!((back.width(), back.height()), (AVATAR_SIDE, AVATAR_SIDE), "{format:?}");
        }
        let html = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
        assert_eq!(avatar_png(html, "avatar"), Err(ApiError::invalid("avatar", ErrorCode::Format)));
        // A PNG header followed by garbage is not an image.
        let mut fake = encoded(ImageFormat::Png, 4, 4)[..16].to_vec();
        fake.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(avatar_png(&fake, "avatar"), Err(ApiError::invalid("avatar", ErrorCode::Format)));
        assert_eq!(
            avatar_png(&vec![0; MAX_UPLOAD_BYTES + 1], "avatar"),
            Err(ApiError::invalid("avatar", ErrorCode::TooLong))
        );
    }
}
