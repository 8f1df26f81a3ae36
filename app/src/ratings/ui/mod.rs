//! The ratings page (admins): filled in below.
