//! The unions staff may create a sale for, as a list to pick from: the
//! federation's own directory of Beijing's district unions and the street
//! unions the demo and the tests use, then any union an existing sale names
//! that the directory lacks. Only those under the staff member's own union.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::AdminAuth;
use crate::domain::OrgPath;
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// (path, Chinese name, English name)
const DIRECTORY: &[(&str, &str, &str)] = &[
    ("bj", "北京市总工会", "Beijing Federation of Trade Unions"),
    ("bj/dongcheng", "东城区总工会", "Dongcheng District"),
    ("bj/dongcheng/longtan", "龙潭街道工会", "Longtan Street"),
    ("bj/xicheng", "西城区总工会", "Xicheng District"),
    (
        "bj/xicheng/jinrongjie",
        "金融街街道工会",
        "Jinrongjie Street",
    ),
    ("bj/chaoyang", "朝阳区总工会", "Chaoyang District"),
    (
        "bj/chaoyang/hepingjie",
        "和平街街道工会",
        "Hepingjie Street",
    ),
    ("bj/chaoyang/jianwai", "建外街道工会", "Jianwai Street"),
    ("bj/haidian", "海淀区总工会", "Haidian District"),
    (
        "bj/haidian/zhongguancun",
        "中关村街道工会",
        "Zhongguancun Street",
    ),
    ("bj/fengtai", "丰台区总工会", "Fengtai District"),
    ("bj/shijingshan", "石景山区总工会", "Shijingshan District"),
    ("bj/mentougou", "门头沟区总工会", "Mentougou District"),
    ("bj/fangshan", "房山区总工会", "Fangshan District"),
    ("bj/tongzhou", "通州区总工会", "Tongzhou District"),
    ("bj/shunyi", "顺义区总工会", "Shunyi District"),
    ("bj/changping", "昌平区总工会", "Changping District"),
    ("bj/daxing", "大兴区总工会", "Daxing District"),
    ("bj/huairou", "怀柔区总工会", "Huairou District"),
    ("bj/pinggu", "平谷区总工会", "Pinggu District"),
    ("bj/miyun", "密云区总工会", "Miyun District"),
    ("bj/yanqing", "延庆区总工会", "Yanqing District"),
];

/// A union a sale may be for.
#[derive(Serialize, ToSchema)]
pub struct OrgDto {
    /// What a sale's `org` is set to.
    pub path: String,
    /// In Chinese; the path itself for a union only a sale names.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgList {
    /// The staff member's own union first, then by path.
    pub orgs: Vec<OrgDto>,
}

/// The unions under the staff member's own, to create a sale for.
#[utoipa::path(get, path = "/api/v1/admin/orgs", tag = "admin", security(("staff" = [])),
    responses((status = 200, body = OrgList)))]
pub async fn orgs(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Result<Json<OrgList>, ApiError> {
    let mut paths: BTreeSet<String> = DIRECTORY.iter().map(|d| d.0.to_owned()).collect();
    paths.insert(staff.org.as_str().to_owned());
    for e in s.engine.definitions().await? {
        paths.insert(e.org.as_str().to_owned());
    }
    let mut orgs: Vec<OrgDto> = paths
        .into_iter()
        .filter(|p| OrgPath::parse(p).is_ok_and(|o| staff.owns(&o)))
        .map(|path| match DIRECTORY.iter().find(|d| d.0 == path) {
            Some(&(_, name, en)) => OrgDto {
                path,
                name: name.to_owned(),
                name_en: Some(en.to_owned()),
            },
            None => OrgDto {
                name: path.clone(),
                path,
                name_en: None,
            },
        })
        .collect();
    orgs.sort_by_key(|o| o.path != staff.org.as_str());
    Ok(Json(OrgList { orgs }))
}

#[cfg(test)]
mod tests {
    use super::DIRECTORY;
    use crate::domain::OrgPath;

    #[test]
    fn the_directory_holds_valid_paths_each_under_its_parent() {
        for (path, name, en) in DIRECTORY {
            let org = OrgPath::parse(path).unwrap();
            assert!(!name.is_empty() && !en.is_empty());
            if let Some((parent, _)) = path.rsplit_once('/') {
                assert!(DIRECTORY.iter().any(|d| d.0 == parent), "{path}");
                assert!(org.is_within(&OrgPath::parse(parent).unwrap()));
            }
        }
    }
}
