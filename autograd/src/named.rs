//! Settings that go by name (on a command line, in a printed tape):
//! [`ErrorMode`](crate::ErrorMode) and [`Precision`](crate::Precision).

/// Defines a field-less enum from one table of `Variant = "name"` rows:
/// `ALL`, `name()`, `Display` and `FromStr` all read that table, and the
/// error of an unknown name lists the valid ones.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident, unknown: $unknown:ident($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $name:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $ty {
            $($(#[$vmeta])* $variant,)+
        }

        impl $ty {
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        #[doc = concat!("An unknown ", $what, " name; its message lists the valid ones.")]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $unknown(pub String);

        impl std::fmt::Display for $unknown {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let valid = $ty::ALL.map($ty::name).join(", ");
                write!(f, concat!("unknown ", $what, " '{}' (valid: {})"), self.0, valid)
            }
        }

        impl std::error::Error for $unknown {}

        impl std::str::FromStr for $ty {
            type Err = $unknown;

            fn from_str(s: &str) -> Result<Self, $unknown> {
                $ty::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| $unknown(s.to_string()))
            }
        }
    };
}
