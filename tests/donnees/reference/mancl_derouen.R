# Valeurs de référence R pour le sandwich de Mancl et DeRouen (2001, Biometrics
# 57:126-134), c'est-à-dire statsmodels GEE.fit(cov_type = "bias_reduced"),
# utilisé par paquet_analyse.modeles sous 10 grappes.
#
# Implémentation indépendante : clubSandwich::vcovCR(type = "CR3") (Bell et
# McCaffrey 2002 ; Pustejovsky et Tipton 2018), qui pour des poids de travail
# W_g vaut  M [Σ_g X_g' W_g (I - H_gg)^-1 e_g e_g' (I - H_gg)^-T W_g X_g] M,
# M = (X'WX)^-1, H_gg = X_g M X_g' W_g : exactement l'estimateur de Mancl et
# DeRouen, sans facteur G/(G - 1). sandwich::vcovCL(type = "HC3") donne la même
# matrice avec cadjust = TRUE (défaut : le G/(G - 1) compense le (G - 1)/G de
# HC3) ; avec cadjust = FALSE elle vaut (G - 1)/G fois CR3 (affiché ci-dessous).
#
# Exécution (paquets Debian bookworm r-base-core, r-cran-sandwich,
# r-cran-clubsandwich, r-cran-nlme) :
#   cd tests/donnees/reference && Rscript mancl_derouen.R
# La sortie obtenue est recopiée en commentaire à la fin du fichier ; le test
# tests/test_modeles.py::test_mancl_derouen_reference_r en reprend les nombres.

suppressPackageStartupMessages({
  library(sandwich)
  library(clubSandwich)
  library(nlme)
})
options(digits = 15, width = 100)
se <- function(v) sqrt(diag(as.matrix(v)))
cat(R.version.string, "\n")
for (p in c("sandwich", "clubSandwich", "nlme"))
  cat(p, as.character(packageVersion(p)), "\n")

## 1. Logistique, 6 grappes : admissions à Berkeley (datasets::UCBAdmissions),
##    admis ~ genre, grappes = département (4526 candidats, 6 départements).
print(ftable(UCBAdmissions, row.vars = "Dept"))
ucb <- as.data.frame(UCBAdmissions)
ind <- ucb[rep(seq_len(nrow(ucb)), ucb$Freq), c("Admit", "Gender", "Dept")]
ind$admis <- as.integer(ind$Admit == "Admitted")
# Convergence poussée : avec glm.control() par défaut (arrêt à 4 itérations),
# les poids de travail stockés dans l'objet glm ont une itération de retard et
# CR3 s'écarte de ~1e-7 en relatif (dernière ligne de cette section).
logit <- glm(admis ~ Gender, family = binomial, data = ind,
             control = glm.control(epsilon = 1e-14, maxit = 100))
cat("\nlogistique : coefficients\n"); print(coef(logit))
cat("CR3 = vcovCR(logit, cluster = ind$Dept, type = \"CR3\")\n")
print(se(vcovCR(logit, cluster = ind$Dept, type = "CR3")))
cat("vcovCL(logit, cluster = ~ Dept, type = \"HC3\")\n")
print(se(vcovCL(logit, cluster = ~ Dept, type = "HC3")))
cat("vcovCL(logit, cluster = ~ Dept, type = \"HC3\", cadjust = FALSE)  [(G-1)/G x CR3]\n")
print(se(vcovCL(logit, cluster = ~ Dept, type = "HC3", cadjust = FALSE)))
cat("CR0 (sandwich de Liang et Zeger, sans correction)\n")
print(se(vcovCR(logit, cluster = ind$Dept, type = "CR0")))
cat("CR3 avec glm.control() par défaut (à ne pas utiliser)\n")
print(se(vcovCR(update(logit, control = glm.control()), cluster = ind$Dept, type = "CR3")))

## 2. Linéaire, 8 grappes : poids des poussins 1 à 8 (datasets::ChickWeight,
##    régime 1), weight ~ Time, grappes = poussin (95 mesures ; le poussin 8 en a 11).
pou <- subset(as.data.frame(ChickWeight), as.integer(as.character(Chick)) <= 8)
pou$poussin <- as.integer(as.character(pou$Chick))
pou <- pou[order(pou$poussin, pou$Time), c("poussin", "Time", "weight")]
rownames(pou) <- NULL
# Copie pour Python : poussins.csv (écrite si absente, vérifiée sinon).
if (file.exists("poussins.csv")) {
  stopifnot(isTRUE(all.equal(read.csv("poussins.csv"), pou, check.attributes = FALSE)))
} else {
  write.csv(pou, "poussins.csv", row.names = FALSE)
}
cat("\nChickWeight, poussins 1 à 8 :", nrow(pou), "mesures\n"); print(table(pou$poussin))
lin <- lm(weight ~ Time, data = pou)
cat("linéaire : coefficients\n"); print(coef(lin))
cat("CR3 = vcovCR(lin, cluster = pou$poussin, type = \"CR3\")\n")
print(se(vcovCR(lin, cluster = pou$poussin, type = "CR3")))
cat("vcovCL(lin, cluster = ~ poussin, type = \"HC3\")\n")
print(se(vcovCL(lin, cluster = ~ poussin, type = "HC3")))
cat("CR0\n"); print(se(vcovCR(lin, cluster = pou$poussin, type = "CR0")))

## 3. Même modèle, corrélation de travail échangeable de paramètre fixé à 0,3
##    (nlme::gls, corCompSymm(fixed = TRUE)) : CR3 de clubSandwich pour gls
##    utilise W_g = V_g^-1 du modèle de travail, soit Mancl et DeRouen avec une
##    corrélation de travail non diagonale. method = "REML" : avec "ML",
##    clubSandwich 0.5.8 renvoie ces erreurs types multipliées par N/(N - p).
ech <- gls(weight ~ Time, data = pou, method = "REML",
           correlation = corCompSymm(value = 0.3, form = ~ 1 | poussin, fixed = TRUE))
cat("\néchangeable (rho = 0,3 fixé) : coefficients\n"); print(coef(ech))
cat("CR3 = vcovCR(ech, type = \"CR3\")\n"); print(se(vcovCR(ech, type = "CR3")))
cat("CR0\n"); print(se(vcovCR(ech, type = "CR0")))

## 4. Logistique pondérée, 6 grappes : mêmes candidats, poids de sondage
##    w = 1 + 0,5 (femme) + 0,25 (admis), qui varient dans chaque grappe.
##    Mêmes équations Σ w x (y - μ) = 0 que R survey::svyglm ; CR3 de
##    clubSandwich (poids de travail w μ (1 - μ)) : la variance corrigée de
##    Mancl et DeRouen que paquet_analyse.modeles écrit pour le GLM pondéré
##    (_covariance_biais_reduit_plan). vcovCL(type = "HC3") traite les poids
##    autrement et ne correspond pas.
ind$w <- 1 + 0.5 * (ind$Gender == "Female") + 0.25 * ind$admis
pond <- glm(admis ~ Gender, family = quasibinomial, data = ind, weights = w,
            control = glm.control(epsilon = 1e-14, maxit = 100))
cat("\nlogistique pondérée : coefficients\n"); print(coef(pond))
cat("CR3 = vcovCR(pond, cluster = ind$Dept, type = \"CR3\") : matrice\n")
print(as.matrix(vcovCR(pond, cluster = ind$Dept, type = "CR3")))

# ---------------------------------------------------------------------------
# Sortie obtenue (Debian bookworm, 2026-12-01) :
#
# R version 4.2.2 Patched (2022-11-10 r83330)
# sandwich 3.0.2
# clubSandwich 0.5.8
# nlme 3.1.162
#      Admit  Admitted        Rejected
#      Gender     Male Female     Male Female
# Dept
# A                512     89      313     19
# B                353     17      207      8
# C                120    202      205    391
# D                138    131      279    244
# E                 53     94      138    299
# F                 22     24      351    317
#
# logistique : coefficients
#        (Intercept)       GenderFemale
# -0.220134018863790 -0.610352376146408
# CR3 = vcovCR(logit, cluster = ind$Dept, type = "CR3")
#       (Intercept)      GenderFemale
# 0.460852470754588 0.303168421677668
# vcovCL(logit, cluster = ~ Dept, type = "HC3")
#       (Intercept)      GenderFemale
# 0.460852470754576 0.303168421677650
# vcovCL(logit, cluster = ~ Dept, type = "HC3", cadjust = FALSE)  [(G-1)/G x CR3]
#       (Intercept)      GenderFemale
# 0.420698823190452 0.276753638793478
# CR0 (sandwich de Liang et Zeger, sans correction)
#       (Intercept)      GenderFemale
# 0.357156150776630 0.212930694921239
# CR3 avec glm.control() par défaut (à ne pas utiliser)
#       (Intercept)      GenderFemale
# 0.460852470704130 0.303168444851589
#
# ChickWeight, poussins 1 à 8 : 95 mesures
#
#  1  2  3  4  5  6  7  8
# 12 12 12 12 12 12 12 11
# linéaire : coefficients
#      (Intercept)             Time
# 26.1575258720191  8.3476485317996
# CR3 = vcovCR(lin, cluster = pou$poussin, type = "CR3")
#       (Intercept)              Time
# 4.724642474287931 0.960821544336638
# vcovCL(lin, cluster = ~ poussin, type = "HC3")
#       (Intercept)              Time
# 4.724642474287907 0.960821544336637
# CR0
#       (Intercept)              Time
# 4.137386185434718 0.841333792430671
#
# échangeable (rho = 0,3 fixé) : coefficients
#       (Intercept)              Time
# 26.37512504856250  8.31345437548563
# CR3 = vcovCR(ech, type = "CR3")
#       (Intercept)              Time
# 4.761923815096427 0.966348409483395
# CR0
#       (Intercept)              Time
# 4.173098756332555 0.846639683259702
#
# logistique pondérée : coefficients
#         (Intercept)        GenderFemale
#  0.0030095324504235 -0.6793452476333994
# CR3 = vcovCR(pond, cluster = ind$Dept, type = "CR3") : matrice
#                     (Intercept)        GenderFemale
# (Intercept)   0.214956679079604 -0.1026144080430602
# GenderFemale -0.102614408043060  0.0941613566998034
