//! `piiscan.model.Finding` objects built by the core, for the engine's hot path.
//!
//! On dense text the engine returns thousands of findings per megabyte. Handing each to
//! Python as a tuple, unpacking it there and calling the frozen dataclass's `__init__` (whose
//! keyword parsing and ten `object.__setattr__` calls run as bytecode) cost about as much as
//! finding them. Here the object is made the way that `__init__` makes it, `object.__new__`
//! and `object.__setattr__` per field, but called from Rust: no tuple, no keyword parsing,
//! no bytecode. The result is the same `Finding` (same class, same fields, equal and hashed
//! alike); `dataclasses.replace` stays the one way a finding is changed.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PySlice, PyString, PyTuple};

use crate::engine::{Found, Source};
use crate::verdict::Flag;

/// The fields of `piiscan.model.Finding`, in declaration order.
const FIELDS: [&str; 10] = [
    "entity_type",
    "start",
    "end",
    "score",
    "masked",
    "recognizer",
    "flags",
    "locator",
    "context",
    "normalized",
];

/// What the core needs to build findings: the `Finding` class and, per compiled recognizer,
/// its entity type, recognizer key and the Python masker of its entity (for the entities
/// whose mask the core has no copy of).
#[pyclass(name = "FindingMaker", module = "piiscan._core", frozen)]
pub struct FindingMaker {
    kind: Py<PyAny>,
    new: Py<PyAny>,
    set: Py<PyAny>,
    /// Per field, its slot's setter (`Finding.<field>.__set__`, bound to the member
    /// descriptor): the slot is written without looking the name up through the class and
    /// without slicing the arguments as `object.__setattr__` does (about half the cost per
    /// field). `None` when a field is no slot (`object.__setattr__` then).
    setters: Option<Vec<Py<PyAny>>>,
    replace: Py<PyAny>,
    names: Vec<Py<PyString>>,
    /// `(entity type, recognizer key, masker)` of each compiled recognizer, in the engine's
    /// order.
    rules: Vec<(Py<PyString>, Py<PyString>, Py<PyAny>)>,
    empty: Py<PyString>,
    no_flags: Py<PyTuple>,
    /// The core's flag names, made once (test data carries `test_identity` on most findings).
    flag_names: Vec<(&'static str, Py<PyString>)>,
}

#[pymethods]
impl FindingMaker {
    /// :param finding: the `Finding` class.
    /// :param replace: `dataclasses.replace` (an outside finding a neighbour raised is
    ///     replaced with its new score and context).
    /// :param rules: `(entity type, recognizer key, masker)` per compiled recognizer.
    #[new]
    fn new(
        py: Python<'_>,
        finding: Bound<'_, PyAny>,
        replace: Bound<'_, PyAny>,
        rules: Vec<(String, String, Py<PyAny>)>,
    ) -> PyResult<Self> {
        let object = py.import("builtins")?.getattr("object")?;
        let member = py.import("types")?.getattr("MemberDescriptorType")?;
        let vars = finding.getattr("__dict__")?;
        let setters = FIELDS
            .iter()
            .map(|name| -> PyResult<Option<Py<PyAny>>> {
                let Ok(descriptor) = vars.get_item(name) else {
                    return Ok(None);
                };
                Ok(if descriptor.get_type().is(&member) {
                    Some(descriptor.getattr("__set__")?.unbind())
                } else {
                    None
                })
            })
            .collect::<PyResult<Option<Vec<_>>>>()?;
        Ok(FindingMaker {
            kind: finding.unbind(),
            new: object.getattr("__new__")?.unbind(),
            set: object.getattr("__setattr__")?.unbind(),
            setters,
            replace: replace.unbind(),
            names: FIELDS
                .iter()
                .map(|name| PyString::intern(py, name).unbind())
                .collect(),
            rules: rules
                .into_iter()
                .map(|(entity, key, masker)| {
                    (
                        PyString::intern(py, &entity).unbind(),
                        PyString::intern(py, &key).unbind(),
                        masker,
                    )
                })
                .collect(),
            empty: PyString::intern(py, "").unbind(),
            no_flags: PyTuple::empty(py).unbind(),
            flag_names: [
                Flag::TestIdentity,
                Flag::ImpossibleDate,
                Flag::PersonnummerAccount,
                Flag::ReservedDomain,
            ]
            .iter()
            .map(|flag| (flag.name(), PyString::intern(py, flag.name()).unbind()))
            .collect(),
        })
    }
}

impl FindingMaker {
    /// The `Finding` of `found` in `text`; an outside finding is `outside[index]` itself, or
    /// a copy with the score and context a neighbour gave it.
    pub fn make(
        &self,
        py: Python<'_>,
        found: Found,
        text: &Bound<'_, PyString>,
        locator: &Bound<'_, PyString>,
        outside: &[Bound<'_, PyAny>],
    ) -> PyResult<Py<PyAny>> {
        let rule = match found.source {
            Source::Core(rule) => rule,
            Source::Outside(index) => {
                let finding = outside.get(index).ok_or_else(|| {
                    pyo3::exceptions::PyValueError::new_err("outside finding out of range")
                })?;
                if found.context.is_empty() {
                    return Ok(finding.clone().unbind());
                }
                let changes = PyDict::new(py);
                changes.set_item("score", found.score)?;
                changes.set_item("context", found.context)?;
                return Ok(self
                    .replace
                    .bind(py)
                    .call((finding,), Some(&changes))?
                    .unbind());
            }
        };
        let (entity, key, masker) = self
            .rules
            .get(rule)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("no such recognizer"))?;
        let masked = if found.masked.is_empty() {
            // An entity whose mask the core has no copy of: its Python masker.
            let value = text.get_item(PySlice::new(
                py,
                isize::try_from(found.start).unwrap_or(isize::MAX),
                isize::try_from(found.end).unwrap_or(isize::MAX),
                1,
            ))?;
            masker.bind(py).call1((value,))?
        } else {
            PyString::new(py, &found.masked).into_any()
        };
        let string = |value: String| -> Bound<'_, PyAny> {
            if value.is_empty() {
                self.empty.bind(py).clone().into_any()
            } else {
                PyString::new(py, &value).into_any()
            }
        };
        let flags = if found.flags.is_empty() {
            self.no_flags.bind(py).clone().into_any()
        } else {
            let names = found.flags.iter().map(|flag| {
                match self.flag_names.iter().find(|(name, _)| name == flag) {
                    Some((_, made)) => made.bind(py).clone(),
                    None => PyString::new(py, flag),
                }
            });
            PyTuple::new(py, names)?.into_any()
        };
        let values: [Bound<'_, PyAny>; 10] = [
            entity.bind(py).clone().into_any(),
            found.start.into_pyobject(py)?.into_any(),
            found.end.into_pyobject(py)?.into_any(),
            found.score.into_pyobject(py)?.into_any(),
            masked,
            key.bind(py).clone().into_any(),
            flags,
            locator.clone().into_any(),
            string(found.context),
            string(found.normalized),
        ];
        let object = self.new.bind(py).call1((self.kind.bind(py),))?;
        match &self.setters {
            Some(setters) => {
                for (setter, value) in setters.iter().zip(values) {
                    setter.bind(py).call1((&object, value))?;
                }
            }
            None => {
                let set = self.set.bind(py);
                for (name, value) in self.names.iter().zip(values) {
                    set.call1((&object, name.bind(py), value))?;
                }
            }
        }
        Ok(object.unbind())
    }
}
