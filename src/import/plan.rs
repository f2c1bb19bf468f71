//! Reading `terraform show -json` output: a plan (`planned_values`, `resource_changes`,
//! `configuration`) or a state (`values`), as one flat list of managed resources with their
//! attribute values, what the plan does to each, and the references between them.
//!
//! The format is HashiCorp's "JSON Output Format" (format_version 1.x): modules nest under
//! `child_modules`, each resource has `address`, `mode`, `type`, `name` and `values`; a
//! plan's `resource_changes[].change.after_unknown` marks values known only after apply;
//! `configuration` keeps each argument's `references` (how a plan links resources whose ids
//! do not exist yet).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::ImportError;

/// A managed resource of the plan or state.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `module.net.aws_dx_lag.main[0]`.
    pub address: String,
    /// `aws_dx_lag`.
    pub kind: String,
    pub values: Value,
    /// Attributes the plan knows only after apply (`after_unknown`).
    pub unknown: Value,
    /// What the plan does to it.
    pub action: Action,
}

/// What a plan's `resource_changes[].change.actions` does to a resource that will exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Created, updated in place, read, left alone, or a state (no plan).
    Keep,
    /// Replaced: `["delete", "create"]` (the default) or `["create", "delete"]`
    /// (`create_before_destroy`).
    Replace { create_first: bool },
}

/// What the importer read: the resources that will exist, those the plan destroys, the
/// data sources (read, never modelled) and the references of the configuration.
pub struct Plan {
    pub is_plan: bool,
    pub resources: Vec<Resource>,
    pub destroyed: Vec<String>,
    pub data_sources: usize,
    /// (resource address without index, attribute) -> referenced addresses (without index).
    refs: BTreeMap<(String, String), Vec<String>>,
    /// The AWS provider's region when the configuration gives it as a constant.
    pub aws_region: Option<String>,
}

/// Where errors point: the text and its name.
pub struct Input<'a> {
    pub text: &'a str,
    pub source: &'a str,
    /// (address, attribute) the readers asked for that the plan knows only after apply:
    /// each stands in for by a default, and the output says so.
    pub unknown_read: RefCell<BTreeSet<(String, String)>>,
}

impl Input<'_> {
    /// An error at `key` of the resource `address` (the first `"key":` after the address in
    /// the text), or at the resource, or with no position when neither is found.
    pub fn error_at(&self, address: &str, key: &str, message: String) -> ImportError {
        let at = locate(self.text, address, key);
        ImportError { source: self.source.to_string(), at, message }
    }

    pub fn error(&self, message: String) -> ImportError {
        ImportError { source: self.source.to_string(), at: None, message }
    }
}

/// Line and column (1-based, in characters) of `"key":` after the resource's `"address"`.
fn locate(text: &str, address: &str, key: &str) -> Option<(usize, usize)> {
    let quoted = serde_json::to_string(address).ok()?;
    let mut from = 0;
    let start = loop {
        let i = from + text[from..].find(&quoted)?;
        let before = text[..i].trim_end();
        if before.ends_with(':') && before[..before.len() - 1].trim_end().ends_with("\"address\"") {
            break i;
        }
        from = i + quoted.len();
    };
    let quoted_key = serde_json::to_string(key).ok()?;
    let mut at = start;
    // The key of this resource's own object: the first `"key"` followed by `:`, before the
    // next resource's address.
    let limit = text[start + quoted.len()..].find("\"address\"").map_or(text.len(), |i| start + quoted.len() + i);
    let mut from = start;
    while let Some(i) = text[from..limit].find(&quoted_key) {
        let j = from + i;
        if text[j + quoted_key.len()..].trim_start().starts_with(':') {
            at = j;
            break;
        }
        from = j + quoted_key.len();
    }
    let line = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    Some((line, text[line_start..at].chars().count() + 1))
}

/// serde_json's place of an error as every other message gives one: 1-based line and
/// column in characters. serde_json counts the bytes read on the line, so its column is 0
/// when the error is met before the line's first byte and counts a multi-byte character's
/// bytes. Here an error at the end of the text is placed just after its last character
/// (line 1 more and column 1 after a final newline), and any other at the character where
/// serde_json stopped.
fn json_error_place(text: &str, e: &serde_json::Error) -> (usize, usize) {
    if e.classify() == serde_json::error::Category::Eof {
        let line = text.matches('\n').count() + 1;
        let last = text.rsplit('\n').next().unwrap_or("");
        return (line, last.chars().count() + 1);
    }
    let (line, column) = (e.line().max(1), e.column());
    let Some(start) = (if line == 1 { Some(0) } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1) }) else {
        return (line, column.max(1));
    };
    let line_text = text[start..].split('\n').next().unwrap_or("");
    // The bytes before the one it stopped at; a column that ends inside a character counts it.
    let before = column.saturating_sub(1).min(line_text.len());
    (line, line_text.char_indices().take_while(|(i, _)| *i < before).count() + 1)
}

/// Parses the JSON and collects its resources.
pub fn read(input: &Input<'_>) -> Result<Plan, ImportError> {
    let v: Value = serde_json::from_str(input.text).map_err(|e| ImportError {
        source: input.source.to_string(),
        at: Some(json_error_place(input.text, &e)),
        // serde_json's message ends in " at line L column C", which `at` already says.
        message: format!("not valid JSON: {}", e.to_string().rsplit_once(" at line ").map_or(e.to_string(), |(m, _)| m.to_string())),
    })?;
    let Some(top) = v.as_object() else {
        return Err(input.error("not `terraform show -json` output: the top level is not a JSON object".into()));
    };
    match top.get("format_version") {
        Some(Value::String(f)) if f.split('.').next() == Some("1") => {}
        Some(Value::String(f)) => {
            return Err(input.error(format!("format_version {f} is not supported: this importer reads Terraform's JSON output format 1.x")));
        }
        Some(_) => return Err(input.error("`format_version` is not a string".into())),
        None => return Err(input.error("not `terraform show -json` output: no `format_version`".into())),
    }
    let (root, is_plan) = if let Some(pv) = top.get("planned_values") {
        (pv.get("root_module"), true)
    } else if let Some(values) = top.get("values") {
        (values.get("root_module"), false)
    } else if top.contains_key("resource_changes") {
        (None, true)
    } else {
        return Err(input.error("not `terraform show -json` output: neither `planned_values` (a plan) nor `values` (a state)".into()));
    };
    let mut plan = Plan { is_plan, resources: vec![], destroyed: vec![], data_sources: 0, refs: BTreeMap::new(), aws_region: None };
    let mut unknown: BTreeMap<String, (Value, Action)> = BTreeMap::new();
    let mut after: Vec<Resource> = vec![];
    if let Some(changes) = top.get("resource_changes") {
        let Some(changes) = changes.as_array() else {
            return Err(input.error("`resource_changes` is not an array".into()));
        };
        for c in changes {
            let (Some(address), Some(change)) = (c.get("address").and_then(Value::as_str), c.get("change")) else { continue };
            if c.get("mode").and_then(Value::as_str) == Some("data") {
                continue;
            }
            let actions: Vec<&str> =
                change.get("actions").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            // Deleted: it will not exist after apply, so it is not imported (the header says so).
            if actions == ["delete"] {
                plan.destroyed.push(address.to_string());
                continue;
            }
            let action = match actions.as_slice() {
                ["delete", "create"] => Action::Replace { create_first: false },
                ["create", "delete"] => Action::Replace { create_first: true },
                _ => Action::Keep,
            };
            unknown.insert(address.to_string(), (change.get("after_unknown").cloned().unwrap_or(Value::Null), action));
            if let (Some(kind), Some(values)) = (c.get("type").and_then(Value::as_str), change.get("after")) {
                after.push(Resource {
                    address: address.into(),
                    kind: kind.into(),
                    values: values.clone(),
                    unknown: Value::Null,
                    action: Action::Keep,
                });
            }
        }
    }
    let root_name = if is_plan { "planned_values.root_module" } else { "values.root_module" };
    match root {
        Some(root) => walk_module(input, root, root_name, &mut plan)?,
        // A plan without `planned_values` (some tools strip it): the changes' `after`.
        None => plan.resources = after,
    }
    for r in &mut plan.resources {
        if let Some((u, action)) = unknown.remove(&r.address) {
            r.unknown = u;
            r.action = action;
        }
    }
    if let Some(conf) = top.get("configuration") {
        if let Some(root) = conf.get("root_module") {
            collect_refs(root, "", &mut plan.refs);
        }
        plan.aws_region = conf.get("provider_config").and_then(Value::as_object).and_then(|p| {
            p.values()
                .filter(|c| c.get("name").and_then(Value::as_str) == Some("aws"))
                .find_map(|c| c.pointer("/expressions/region/constant_value").and_then(Value::as_str).map(str::to_string))
        });
    }
    Ok(plan)
}

/// Collects the resources of `module` (named `path` in errors: `values.root_module.
/// child_modules[1]`) and of its children. A module that is not an object is an error, not
/// a module without resources: its resources would be missing from the scenario unsaid.
fn walk_module(input: &Input<'_>, module: &Value, path: &str, plan: &mut Plan) -> Result<(), ImportError> {
    if !module.is_object() {
        let what = match module {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(input.error(format!("`{path}` is {what}, not a module (a JSON object with `resources` and `child_modules`)")));
    }
    if let Some(rs) = module.get("resources") {
        let Some(rs) = rs.as_array() else {
            return Err(input.error("a module's `resources` is not an array".into()));
        };
        for r in rs {
            let address = r.get("address").and_then(Value::as_str);
            let kind = r.get("type").and_then(Value::as_str);
            let (Some(address), Some(kind)) = (address, kind) else {
                return Err(input.error("a resource without a string `address` and `type`".into()));
            };
            if r.get("mode").and_then(Value::as_str) == Some("data") {
                plan.data_sources += 1;
                continue;
            }
            let values = r.get("values").cloned().unwrap_or(Value::Null);
            if !values.is_object() && !values.is_null() {
                return Err(input.error_at(address, "values", format!("{address}: `values` is not an object")));
            }
            plan.resources.push(Resource {
                address: address.into(),
                kind: kind.into(),
                values,
                unknown: Value::Null,
                action: Action::Keep,
            });
        }
    }
    if let Some(children) = module.get("child_modules") {
        let Some(children) = children.as_array() else {
            return Err(input.error("`child_modules` is not an array".into()));
        };
        let parent = module.get("address").and_then(Value::as_str).map_or(String::new(), |a| format!(" of {a}"));
        for (i, c) in children.iter().enumerate() {
            let name = match c.get("address").and_then(Value::as_str) {
                Some(a) => format!("{path}.child_modules[{i}] ({a})"),
                None => format!("{path}.child_modules[{i}]{parent}"),
            };
            walk_module(input, c, &name, plan)?;
        }
    }
    Ok(())
}

/// `configuration.root_module.resources[].expressions.ATTR.references`, through
/// `module_calls`, with module prefixes (`module.net.`) so they match resource addresses.
fn collect_refs(module: &Value, prefix: &str, refs: &mut BTreeMap<(String, String), Vec<String>>) {
    for r in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
        let Some(address) = r.get("address").and_then(Value::as_str) else { continue };
        for (attr, e) in r.get("expressions").and_then(Value::as_object).into_iter().flatten() {
            let targets: Vec<String> = e
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|t| format!("{prefix}{}", resource_of(t)))
                .collect();
            if !targets.is_empty() {
                refs.insert((format!("{prefix}{address}"), attr.clone()), targets);
            }
        }
    }
    for (name, call) in module.get("module_calls").and_then(Value::as_object).into_iter().flatten() {
        if let Some(m) = call.get("module") {
            collect_refs(m, &format!("{prefix}module.{name}."), refs);
        }
    }
}

/// `aws_dx_lag.main.id` -> `aws_dx_lag.main` (a reference names an attribute of a resource).
fn resource_of(reference: &str) -> String {
    // An index may hold dots (`[count.index]`): drop indexes first.
    let plain = config_address(reference);
    plain.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// An address as the configuration names it, every instance key dropped (a module's too):
/// `module.edge["a"].aws_dx_lag.main[0]` -> `module.edge.aws_dx_lag.main`. The configuration
/// has one entry per module call and resource block, not per instance of a `count` or
/// `for_each`, so without this no reference inside an instanced module would match. A key
/// is skipped whole, quotes and all, so a `]` or `.` inside `["a]b"]` is part of it.
fn config_address(address: &str) -> String {
    outside_keys(address).map(|(_, c)| c).collect()
}

/// The characters of an address outside its instance keys (`[0]`, `["a.b]"]`), with their
/// byte offsets: the one scanner both `config_address` and `module_instance` read, so a
/// quoted `]` or `.` inside a key is handled the same way by both.
fn outside_keys(address: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    address.char_indices().filter(move |&(_, c)| {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
            return false;
        }
        match c {
            '"' if depth > 0 => quoted = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => return depth == 0,
        }
        false
    })
}

/// The module instance a resource is in, keys kept: `module.edge["a"].aws_dx_lag.main[0]`
/// -> `module.edge["a"]`, and `` for the root module. A reference in the configuration is
/// to a resource of the same module instance (one in another module is reached through an
/// output, `module.x.id`, which names no resource), so two instances of one module do not
/// link each other's resources.
fn module_instance(address: &str) -> &str {
    // The dots outside keys; the last two segments are the resource's type and name.
    let dots: Vec<usize> = outside_keys(address).filter(|&(_, c)| c == '.').map(|(i, _)| i).collect();
    match dots.len() {
        0 | 1 => "",
        n => &address[..dots[n - 2]],
    }
}

impl Plan {
    /// Whether `from`'s `attr` refers to `to`: by the configuration's references (a plan),
    /// or by `to`'s `id` equal to the attribute's value (a state, or known ids).
    pub fn refers(&self, from: &Resource, attr: &str, to: &Resource) -> bool {
        let key = (config_address(&from.address), attr.to_string());
        let target = config_address(&to.address);
        if module_instance(&from.address) == module_instance(&to.address) && self.refs.get(&key).is_some_and(|t| t.contains(&target)) {
            return true;
        }
        match (from.values.get(attr).and_then(Value::as_str), to.values.get("id").and_then(Value::as_str)) {
            (Some(a), Some(b)) => !a.is_empty() && a == b,
            _ => false,
        }
    }
}

/// Typed access to a resource's attributes (or a block's); a value of the wrong type is an
/// error at it.
#[derive(Clone, Copy)]
pub struct Attrs<'a> {
    pub input: &'a Input<'a>,
    pub address: &'a str,
    values: &'a Value,
    unknown: &'a Value,
}

impl<'a> Attrs<'a> {
    pub fn of(input: &'a Input<'a>, r: &'a Resource) -> Attrs<'a> {
        Attrs { input, address: &r.address, values: &r.values, unknown: &r.unknown }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        let v = self.values.get(key).filter(|v| !v.is_null());
        if v.is_none() && self.unknown.get(key) == Some(&Value::Bool(true)) {
            self.input.unknown_read.borrow_mut().insert((self.address.to_string(), key.to_string()));
        }
        v
    }

    fn wrong(&self, key: &str, want: &str) -> ImportError {
        let got = self.get(key).map_or("null".to_string(), |v| {
            let s = v.to_string();
            if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s }
        });
        self.input.error_at(self.address, key, format!("{}: `{key}` should be {want}, not {got}", self.address))
    }

    pub fn str(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    /// A whole number, written as a JSON number or a numeric string (Google's `mtu` is one).
    pub fn uint(&self, key: &str) -> Result<Option<u64>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| self.wrong(key, "a whole number")),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| self.wrong(key, "a whole number")),
            Some(_) => Err(self.wrong(key, "a whole number")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "true or false")),
        }
    }

    /// A nested block: Terraform writes one as a list of objects (some providers as an
    /// object); the first one.
    pub fn block(&self, key: &str) -> Result<Option<Attrs<'a>>, ImportError> {
        let (v, u) = match self.get(key) {
            None => return Ok(None),
            Some(Value::Array(a)) => match a.first() {
                None => return Ok(None),
                Some(v) => (v, self.unknown.get(key).and_then(|u| u.get(0)).unwrap_or(&Value::Null)),
            },
            Some(v) => (v, self.unknown.get(key).unwrap_or(&Value::Null)),
        };
        if !v.is_object() {
            return Err(self.wrong(key, "a block (an object, or a list of objects)"));
        }
        Ok(Some(Attrs { input: self.input, address: self.address, values: v, unknown: u }))
    }
}
