//! Compile-time probes for `#[worker]` return types, by autoref
//! specialisation: on a concrete type, method lookup tries the impl for
//! `&Probe<T>` (whose bounds must hold) before the one for `Probe<T>`, so a
//! generated body can tell which case it is in and fail with one readable
//! error, instead of the leaf errors (`Rc<u8>: Send`, `Rc<u8>: Sync`) that a
//! plain bound reports.

use std::marker::PhantomData;

use crate::BoxError;

/// The `Result` a `#[worker]` function returns, under whatever name:
/// `io::Result<T>`, a user's alias, or std's own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `std::result::Result`",
    label = "`#[worker]` reads a return type named `Result` as a `Result`",
    note = "a `#[worker]` function returns `()`, a value, or a `Result<T, E>` whose `Err` fails the worker: rename this type to return it as a value"
)]
pub trait ResultShaped {
    /// `T` of `Result<T, E>`.
    type Ok;
    /// `E` of `Result<T, E>`.
    type Err;
    /// The value as std's `Result`.
    fn into_std(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> ResultShaped for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_std(self) -> Self {
        self
    }
}

/// Which conversion a worker's error gets: `Convert` when it converts
/// into a [`BoxError`], `Reject` (a compile error) when it does not.
pub struct ErrorProbe<E>(PhantomData<E>);

impl<E> ErrorProbe<E> {
    /// The probe for `error`'s type.
    pub fn of(_error: &E) -> Self {
        ErrorProbe(PhantomData)
    }
}

/// Chosen when the error converts into a [`BoxError`].
pub trait ConvertKind {
    /// See [`ErrorProbe`].
    fn __threadkit_conversion(&self) -> Convert {
        Convert
    }
}
impl<E: Into<BoxError>> ConvertKind for &ErrorProbe<E> {}

/// Chosen otherwise.
pub trait RejectKind {
    /// See [`ErrorProbe`].
    fn __threadkit_conversion(&self) -> Reject {
        Reject
    }
}
impl<E> RejectKind for ErrorProbe<E> {}

/// The conversion of an error that converts.
pub struct Convert;

impl Convert {
    /// `error.into()`.
    pub fn apply<E: Into<BoxError>>(self, error: E) -> BoxError {
        error.into()
    }
}

/// The conversion of an error that does not: its bound cannot hold, and
/// says why.
pub struct Reject;

impl Reject {
    /// Does not compile.
    pub fn apply<E: WorkerError>(self, error: E) -> BoxError {
        error.into_box_error()
    }
}

/// Implemented by no type a user can name: the bound of [`Reject::apply`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a worker's error: it does not convert into `Box<dyn Error + Send + Sync>`",
    label = "not `std::error::Error + Send + Sync + 'static`",
    note = "a worker's error moves to the thread that joins it: implement `std::error::Error` for it and make it `Send + Sync` (`Arc` rather than `Rc`, `Mutex` rather than `RefCell`), or return `Box<dyn std::error::Error + Send + Sync>`"
)]
pub trait WorkerError {
    /// Never called.
    fn into_box_error(self) -> BoxError;
}

/// The one implementor of [`WorkerError`], so that the trait is not
/// reported as having none.
#[allow(dead_code)] // only its impls matter
pub enum Unconstructible {}

#[diagnostic::do_not_recommend]
impl WorkerError for Unconstructible {
    fn into_box_error(self) -> BoxError {
        match self {}
    }
}

/// Whether a return type `#[worker]` reads as a plain value (its name does
/// not end in `Result`) is a `Result` under another name, whose `Err` would
/// be taken for a value.
pub struct PlainProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> PlainProbe<T> {
    /// The probe for `T`.
    pub fn new() -> Self {
        PlainProbe(PhantomData)
    }
}

impl<T: ?Sized> Default for PlainProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen for a `Result`.
pub trait ResultNamedOtherwiseKind {
    /// See [`PlainProbe`].
    fn __threadkit_plain(&self) -> ResultNamedOtherwise {
        ResultNamedOtherwise
    }
}
impl<T, E> ResultNamedOtherwiseKind for &PlainProbe<Result<T, E>> {}

/// Chosen otherwise.
pub trait PlainKind {
    /// See [`PlainProbe`].
    fn __threadkit_plain(&self) -> PlainValue {
        PlainValue
    }
}
impl<T: ?Sized> PlainKind for PlainProbe<T> {}

/// The verdict for a plain value: nothing to check.
pub struct PlainValue;

impl PlainValue {
    /// Compiles.
    pub fn check<T: ?Sized>(self) {}
}

/// The verdict for a `Result` under another name.
pub struct ResultNamedOtherwise;

impl ResultNamedOtherwise {
    /// Does not compile, and says why.
    pub fn check<T: ?Sized + ResultUnderAnotherName>(self) {}
}

/// Implemented by no type a user can name: the bound of
/// [`ResultNamedOtherwise::check`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a `Result` under a name that does not end in `Result`",
    label = "`#[worker]` would read this as a plain value and take an `Err` for a success",
    note = "`#[worker]` reads the return type by its name: name the alias so it ends in `Result` (`type FetchResult<T> = ...`), or spell out `Result<T, E>`"
)]
pub trait ResultUnderAnotherName {}

#[diagnostic::do_not_recommend]
impl ResultUnderAnotherName for Unconstructible {}
