"""The request lexicon (rules/requests/*.yaml): what the request grammar knows, as data.

- sites.yaml        the body-site ontology: each site with its words, its parent (thumb -> hand -> wrist and
                    hand -> upper extremity) and, where a guideline chapter governs it, its region;
- procedures/*.yaml procedures, services and equipment by family: the head words a request names them by, and
                    the treatment code for each region (the guideline's taxonomy: modality x body region);
- drugs.yaml        drug classes (with the code a class takes by route), ingredients with their class and
                    brands, named products (combinations, kits), dosage forms;
- grammar.yaml      sides, connectors, modifiers, specialties and the request-attribute patterns.

A phrase is matched as whole tokens after the same normalization as the request (lower case, punctuation
apart, plurals folded), so `knees` matches `knee` and `x-rays` matches `x ray`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from checker.errors import InputErrors
from checker.ruleset.layout import RulesFolder
from checker.ruleset.regexes import checked
from checker.yamlio import load_yaml, merge_keyed, validate

Route = Literal["oral", "topical", "transdermal", "injection", "any"]


class Site(BaseModel):
    """A body site: its words, where it sits in the body (parent) and the guideline region that governs it."""

    model_config = ConfigDict(extra="forbid")

    words: list[str] = []
    parent: str | None = None
    region: str | None = None  # the key of the guideline chapter that governs it (lumbar, knee, wrist_hand...)
    sided: bool = False        # left / right apply
    level_prefixes: list[str] = []  # spinal levels that name it (L4-L5 -> lumbar)
    distal_limb: bool = False  # a distal extremity site (chiropractic is not recommended there)
    root_territory: list[str] = []  # limb sites its nerve roots supply: leg pain can concern the lumbar spine


class SiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sites: dict[str, Site]
    not_in_prose: list[str] = []  # site words a request uses that mean something else in a summary ("back to work")


ProcedureKind = Literal["imaging", "diagnostic", "therapy", "injection", "procedure", "surgery", "visit", "evaluation",
                        "program", "service", "equipment", "test"]


class Procedure(BaseModel):
    """A procedure or service a request can name: its head words and its treatment code by region."""

    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(min_length=1)
    kind: ProcedureKind
    category: str | None = None        # for equipment and services: orthosis, cold unit, stimulator, mobility aid...
    code: str | None = None            # when one code covers every site (none and no codes: no rule yet)
    codes: dict[str, str] = {}         # region -> code (the guideline chapter decides)
    by_specialty: dict[str, str] = {}  # specialty -> code (a consultation with pain management, a spine surgeon)
    needs_site: bool = False           # a code by region only: a request with no site is not specific enough
    setting: bool = False              # a place or program of care: the treatments named after it are its content
    generic: bool = False              # a surgery named by its approach (arthroscopy): "with X" names the operation
    implies: dict[str, Any] = {}       # request facts the words imply (an SNRB is transforaminal)
    after_surgery: str | None = None   # the code when the request is an associated surgical service
    notes: str | None = None



class ProcedureFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedures: dict[str, Procedure]


class DrugClass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: dict[Route, str]            # route -> treatment code (the guideline section for the class)
    at_a_site: str | None = None       # injected at a named site it is this procedure (a steroid into the knee)
    topical_not_recommended: bool = False  # a topical of this class is not recommended (compounds)
    source: str = Field(min_length=3)


class Ingredient(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    drug_class: str = Field(alias="class")
    extended_release_class: str | None = None  # the class of its extended-release forms (oxycodone ER: long-acting)
    brands: list[str] = []
    extended_release_brands: list[str] = []    # brands that are extended-release products (OxyContin, MS Contin)
    synonyms: list[str] = []
    topical_forms: list[str] = []      # commercial products for the skin exist in these forms (patch, gel)
    source: str = Field(min_length=3)


class Product(BaseModel):
    """A named product: a combination (Norco = hydrocodone + acetaminophen), a kit or a brand compound."""

    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(min_length=1)
    ingredients: list[str] = Field(min_length=1)
    route: Route = "oral"
    form: str | None = None
    kind: Literal["combination", "compound", "kit"] = "combination"
    code: str | None = None            # when the product has its own code (compounded oral kits)
    source: str = Field(min_length=3)


class DrugFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classes: dict[str, DrugClass] = {}
    ingredients: dict[str, Ingredient] = {}
    products: dict[str, Product] = {}
    forms: dict[str, Route] = {}       # dosage-form word -> route (tablet: oral, cream: topical, patch: transdermal)
    extended_release_words: list[str] = []  # er, extended release, contin...
    compound_words: list[str] = []     # words that make a drug request a compound ("compounded", "in cream base")
    principal_last: list[str] = []     # ingredients that are never a combination's principal (acetaminophen)


NUMBER_SPLICE = "{number}"  # in an attribute pattern: any number word of the grammar's table


class AttributePattern(BaseModel):
    """A regular expression over the lower-cased request that fills a request fact: with `value`, that
    constant; otherwise the product of its named groups, each a number or a number word
    ("2 times a week for 6 weeks" -> times=2, weeks=6 -> 12). `{number}` in the regex stands for any number
    word of the grammar's `numbers` table, so the patterns read every word the table knows."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    regex: str
    value: Any = None
    scale: int = 1            # multiplies the number ("2 month rental" with scale 30 -> 60 days)
    families: list[str] = []  # only for treatments of these families (default: any)
    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _regex(self) -> "AttributePattern":
        self._compiled = checked(self.regex)
        return self


class Grammar(BaseModel):
    model_config = ConfigDict(extra="forbid")

    side: dict[str, list[str]]
    connectors: list[str] = []               # words that carry no content (of, the, for, to, and...)
    dependents: list[str] = []               # words after which a procedure is a dependent, not the head ("with")
    surgical_service: list[str] = []         # prefixes that make an item an associated surgical service
    modifiers: dict[str, dict[str, list[str]]] = {}  # request fact -> value -> phrases
    modifier_families: dict[str, list[str]] = {}     # fact -> families it applies to (default: every request)
    specialties: dict[str, list[str]] = {}           # specialty -> phrases (orthopedic surgeon, neurologist...)
    numbers: dict[str, int] = {}
    patterns: list[AttributePattern] = []
    family_defaults: dict[str, dict[str, Any]] = {}  # family -> request facts to assume when the text is silent
    singular_count_families: list[str] = []          # "a block" (singular, no count) means one, for these families
    ignore: list[str] = []                           # words that are neither content nor a failure (dos, qty)
    abbreviations: dict[str, str] = {}               # a token -> the words it stands for (rue -> right upper ...)

    @model_validator(mode="after")
    def _number_words(self) -> Grammar:
        """Each pattern's `{number}` becomes the alternation of the `numbers` table's words, longest first."""
        words = "(?:" + "|".join(re.escape(w) for w in sorted(self.numbers, key=lambda w: (-len(w), w))) + ")"
        for p in self.patterns:
            if NUMBER_SPLICE in p.regex:
                if not self.numbers:
                    raise ValueError(f"pattern for {p.fact} uses {NUMBER_SPLICE} but the grammar has no numbers table")
                p.regex = p.regex.replace(NUMBER_SPLICE, words)
                p._compiled = checked(p.regex)
        return self


class Lexicon(BaseModel):
    """Everything the request grammar reads, loaded and cross-checked."""

    model_config = ConfigDict(extra="forbid")

    sites: dict[str, Site]
    not_in_prose: list[str] = []
    procedures: dict[str, Procedure]
    drugs: DrugFile
    grammar: Grammar
    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)  # indexes and memos built by request parsing

    def ancestors(self, site: str) -> list[str]:
        """The site and every site above it, nearest first."""
        out = []
        while site is not None and site not in out:
            out.append(site)
            site = self.sites[site].parent
        return out

    def root_territory(self, site: str) -> set[str]:
        """The limb sites the nerve roots of a site (or of the spinal region it lies in) supply."""
        return {limb for s in self.ancestors(site) for limb in self.sites[s].root_territory}

    def related(self, a: str, b: str) -> bool:
        """Whether a finding at site `a` can concern site `b`: one lies within the other (the knee within the
        lower extremity, the meniscus within the knee). The body as a whole relates to nothing in particular."""
        return "body" not in (a, b) and (a in self.ancestors(b) or b in self.ancestors(a))

    def region_of(self, site: str, regions: dict[str, str]) -> str | None:
        """The nearest key at or above `site` that `regions` (a procedure's codes) has: a site itself (the
        carpal tunnel) or its region (wrist and hand)."""
        for s in self.ancestors(site):
            if s in regions:
                return s
            region = self.sites[s].region
            if region is not None and region in regions:
                return region
        return None


def load_lexicon(root, treatment_codes: set[str]) -> Lexicon:
    """Load rules/requests/*.yaml; InputErrors lists every problem (an unknown code, site, class or ingredient;
    a phrase defined twice for different things)."""
    folder = RulesFolder(root)
    base = folder.root / "requests"
    errors = []

    def load(model, path, what):
        try:
            return validate(model, load_yaml(path), path)
        except InputErrors as exc:
            errors.extend(exc.errors)
        except Exception as exc:  # InputError: a missing or malformed file
            errors.append(exc)
        return None

    sites = load(SiteFile, base / "sites.yaml", "sites")
    drugs = load(DrugFile, base / "drugs.yaml", "drugs")
    grammar = load(Grammar, base / "grammar.yaml", "grammar")
    procedures: dict[str, Procedure] = {}
    origin: dict[str, object] = {}
    for path in sorted((base / "procedures").glob("*.yaml")):
        parsed = load(ProcedureFile, path, "procedures")
        if parsed is None:
            continue
        errors += merge_keyed(procedures, origin, parsed.procedures, path, "procedure", "procedures")
    if errors:
        raise InputErrors(errors)
    lexicon = Lexicon(sites=sites.sites, not_in_prose=sites.not_in_prose, procedures=procedures, drugs=drugs,
                      grammar=grammar)
    problems = _cross_errors(lexicon, treatment_codes, base)
    if problems:
        raise InputErrors(problems)
    return lexicon


def _cross_errors(lex: Lexicon, codes: set[str], base) -> list:
    """References between the lexicon files and to the treatment codes."""
    from checker.errors import InputError, did_you_mean
    out = []

    def code_ok(code: str, path, field: str) -> None:
        if code not in codes:
            out.append(InputError(path, f"unknown treatment code {code!r}{did_you_mean(code, codes)}", field=field))

    regions = {s.region for s in lex.sites.values() if s.region} | set(lex.sites)
    for name, site in lex.sites.items():
        if site.parent is not None and site.parent not in lex.sites:
            out.append(InputError(base / "sites.yaml", f"unknown parent site {site.parent!r}"
                                  f"{did_you_mean(site.parent, lex.sites)}", field=f"sites.{name}.parent"))
        for limb in site.root_territory:
            if limb not in lex.sites:
                out.append(InputError(base / "sites.yaml", f"unknown site {limb!r}{did_you_mean(limb, lex.sites)}",
                                      field=f"sites.{name}.root_territory"))
    for name, proc in lex.procedures.items():
        where = base / "procedures"
        for region, code in proc.codes.items():
            if region not in regions:
                out.append(InputError(where, f"unknown region or site {region!r}{did_you_mean(region, regions)}",
                                      field=f"procedures.{name}.codes.{region}"))
            code_ok(code, where, f"procedures.{name}.codes.{region}")
        for code in filter(None, (proc.code, proc.after_surgery, *proc.by_specialty.values())):
            code_ok(code, where, f"procedures.{name}")
        for specialty in proc.by_specialty:
            if specialty not in lex.grammar.specialties:
                out.append(InputError(where, f"unknown specialty {specialty!r}"
                                      f"{did_you_mean(specialty, lex.grammar.specialties)}",
                                      field=f"procedures.{name}.by_specialty"))
    out += _swallowed_sites(lex, base / "procedures")
    drugs = lex.drugs
    for name, cls in drugs.classes.items():
        for route, code in cls.codes.items():
            code_ok(code, base / "drugs.yaml", f"classes.{name}.codes.{route}")
    for name, cls in drugs.classes.items():
        if cls.at_a_site is not None and cls.at_a_site not in lex.procedures:
            out.append(InputError(base / "drugs.yaml", f"unknown procedure {cls.at_a_site!r}"
                                  f"{did_you_mean(cls.at_a_site, lex.procedures)}", field=f"classes.{name}.at_a_site"))
    for name, ing in drugs.ingredients.items():
        if ing.drug_class not in drugs.classes:
            out.append(InputError(base / "drugs.yaml", f"unknown drug class {ing.drug_class!r}"
                                  f"{did_you_mean(ing.drug_class, drugs.classes)}", field=f"ingredients.{name}.class"))
    for name, product in drugs.products.items():
        for ing in product.ingredients:
            if ing not in drugs.ingredients:
                out.append(InputError(base / "drugs.yaml", f"unknown ingredient {ing!r}"
                                      f"{did_you_mean(ing, drugs.ingredients)}", field=f"products.{name}.ingredients"))
        if product.code:
            code_ok(product.code, base / "drugs.yaml", f"products.{name}.code")
    return out


def _swallowed_sites(lex: Lexicon, where) -> list:
    """A procedure whose code depends on the site must not have a phrase that contains a site's words ("lumbar
    epidural" would swallow the site the code is chosen by), nor a site phrase a side word ("bilateral lower")."""
    from checker.errors import InputError

    def words(phrase: str) -> tuple[str, ...]:
        return tuple(re.findall(r"[a-z0-9]+", phrase.lower()))

    site_phrases = {words(w): name for name, site in lex.sites.items() for w in site.words}
    out = []
    side_words = {words(w): side for side, ws in lex.grammar.side.items() for w in ws}
    for name, site in lex.sites.items():
        for phrase in site.words:
            w = words(phrase)
            for sw, side in side_words.items():
                if sw and any(w[i:i + len(sw)] == sw for i in range(len(w) - len(sw) + 1)):
                    out.append(InputError(where.parent / "sites.yaml", f"the phrase {phrase!r} contains the side "
                                          f"word {' '.join(sw)!r}: sides are read apart", field=f"sites.{name}.words"))
    for name, proc in lex.procedures.items():
        if not (proc.codes or proc.needs_site):
            continue
        for phrase in proc.words:
            w = words(phrase)
            for sp, site in site_phrases.items():
                if sp and any(w[i:i + len(sp)] == sp for i in range(len(w) - len(sp) + 1)):
                    out.append(InputError(where, f"the phrase {phrase!r} contains the words of site {site!r}, "
                                          "which choose this procedure's code: drop the site from the phrase",
                                          field=f"procedures.{name}.words"))
    return out
