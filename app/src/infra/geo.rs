//! Where a visitor is, from their IP address: country, province (or state) and city, read from a
//! MaxMind-format database file (GeoLite2 City, which `make run` and `make test` install into
//! `target/geoip/`; `KEFU_GEOIP_DB` points elsewhere). Without the file every region is unknown and
//! everything else works. Names come in English, Simplified Chinese and Japanese where the data has
//! them (English otherwise); the workbench names countries in the agent's language itself.

use std::net::IpAddr;
use std::path::Path;

use kefu_protocol::{Place, Region};

/// The open database, or nothing (the file is missing or unreadable: logged once at start).
pub struct Geo {
    reader: Option<maxminddb::Reader<maxminddb::Mmap>>,
}

impl Geo {
    /// Opens the database at `path`; a missing or broken file gives a `Geo` that knows nothing.
    /// The file is mapped, not read: its 66 MB stay out of the process's memory except the pages
    /// lookups touch.
    pub fn open(path: &Path) -> Geo {
        // SAFETY: the mapped file must not change while it is mapped. kefu never writes it; `make`
        // installs it by renaming a finished file into place, which leaves a mapped copy intact.
        let opened = unsafe { maxminddb::Reader::open_mmap(path) };
        match opened {
            Ok(reader) => Geo { reader: Some(reader) },
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "no GeoIP database: visitors' regions are unknown");
                Geo { reader: None }
            }
        }
    }

    /// A `Geo` without data (tools and tests that do not need regions).
    pub fn none() -> Geo {
        Geo { reader: None }
    }

    pub fn is_loaded(&self) -> bool {
        self.reader.is_some()
    }

    /// The region of a public address; `None` for private, loopback and unknown addresses.
    pub fn region(&self, ip: IpAddr) -> Option<Region> {
        let reader = self.reader.as_ref()?;
        let found = reader.lookup(ip).ok()?;
        let city: maxminddb::geoip2::City = found.decode().ok()??;
        let country = city.country.iso_code?.to_owned();
        let place = |names: &maxminddb::geoip2::Names| {
            let en = names.english?.to_owned();
            Some(Place {
                zh: names.simplified_chinese.map(str::to_owned).unwrap_or_default(),
                ja: names.japanese.map(str::to_owned).unwrap_or_default(),
                en,
            })
        };
        let first = city.subdivisions.first();
        let province = first.and_then(|s| place(&s.names));
        let province_code = first.and_then(|s| s.iso_code).map(|code| format!("{country}-{code}"));
        let town = place(&city.city.names);
        Some(Region { country, province, city: town, province_code })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database `make test` installs (a clear failure when it is missing, never a skip).
    fn installed() -> Geo {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/geoip/GeoLite2-City.mmdb");
        let geo = Geo::open(&path);
        assert!(geo.is_loaded(), "{} is missing: `make tools` installs it", path.display());
        geo
    }

    fn at(geo: &Geo, ip: &str) -> Option<Region> {
        geo.region(ip.parse().unwrap())
    }

    #[test]
    fn public_addresses_have_a_country_and_where_known_a_province_and_city_in_three_languages() {
        let geo = installed();
        for (ip, country) in [
            ("8.8.8.8", "US"),
            ("114.114.114.114", "CN"),
            ("210.140.92.183", "JP"),
            ("168.95.1.1", "TW"),
            ("211.234.10.1", "KR"),
        ] {
            assert_eq!(at(&geo, ip).map(|r| r.country), Some(country.to_owned()), "{ip}");
        }
        let guangzhou = at(&geo, "1.12.0.1").unwrap();
        assert_eq!(guangzhou.code(), "CN-GD");
        let province = guangzhou.province.unwrap();
        assert_eq!((province.en.as_str(), province.zh.as_str(), province.ja.as_str()), ("Guangdong", "广东", "広東"));
        assert_eq!(guangzhou.province_code.as_deref(), Some("CN-GD"));
        assert_eq!(guangzhou.city.unwrap().name("zh-CN"), "广州市");
        let shenzhen = at(&geo, "240e::1").unwrap();
        assert_eq!((shenzhen.country.as_str(), shenzhen.city.unwrap().name("ja")), ("CN", "深セン市"));
    }

    #[test]
    fn private_and_loopback_addresses_and_a_missing_file_have_no_region() {
        let geo = installed();
        for ip in ["127.0.0.1", "10.1.2.3", "192.168.1.1", "::1"] {
            assert_eq!(at(&geo, ip), None, "{ip}");
        }
        let none = Geo::open(Path::new("/nonexistent/GeoLite2-City.mmdb"));
        assert!(!none.is_loaded());
        assert_eq!(at(&none, "8.8.8.8"), None);
    }
}
