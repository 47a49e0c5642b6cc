# Valeurs de référence R des tests à grappes des participants (politique du projet) :
#  - moindres carrés : erreurs types CR2 (Bell et McCaffrey 2002) et ddl de Satterthwaite,
#    clubSandwich::coef_test(vcov = "CR2", test = "Satterthwaite") et conf_int(...),
#    que paquet_analyse.modeles.regression_lineaire(..., grappes = ...) écrit lui-même ;
#  - logistique : sandwich de Mancl et DeRouen (CR3) et loi de Student à G - 1 ddl,
#    clubSandwich::coef_test(glm, vcov = "CR3", test = "naive-t") : celui de
#    regression_logistique(..., grappes = ..., correlation = "independance").
#
# Exécution (paquets Debian bookworm r-base-core, r-cran-clubsandwich) :
#   cd tests/donnees/reference && Rscript cr2_satterthwaite.R
# La sortie obtenue est recopiée en commentaire à la fin du fichier ; le test
# tests/test_modeles.py::test_cr2_satterthwaite_et_t_g_moins_1_reference_r en reprend les nombres.

suppressPackageStartupMessages(library(clubSandwich))
options(digits = 15, width = 110)
cat(R.version.string, "\n")
cat("clubSandwich", as.character(packageVersion("clubSandwich")), "\n")
montrer <- function(ct, ic) {
  print(data.frame(terme = ct$Coef, estimation = ct$beta, erreur_type = ct$SE, t = ct$tstat,
                   ddl = ct$df_Satt %||% ct$df_t, p = ct$p_Satt %||% ct$p_t,
                   ic_bas = ic$CI_L, ic_haut = ic$CI_U), row.names = FALSE)
}
`%||%` <- function(a, b) if (is.null(a)) b else a

## 1. Poids des poussins des régimes 1 et 2 (datasets::ChickWeight, 30 poussins, 340 mesures) :
##    weight ~ regime2 + Time, grappes = poussin ; le régime est constant dans la grappe,
##    comme l'exposition d'une concertation pour ses participants.
cw <- as.data.frame(ChickWeight)
reg <- subset(cw, Diet %in% c("1", "2"))
reg <- data.frame(poussin = as.integer(as.character(reg$Chick)), Time = reg$Time, weight = reg$weight,
                  regime2 = as.integer(reg$Diet == "2"))
reg <- reg[order(reg$poussin, reg$Time), ]
rownames(reg) <- NULL
if (file.exists("poussins_regimes.csv")) {
  stopifnot(isTRUE(all.equal(read.csv("poussins_regimes.csv"), reg, check.attributes = FALSE)))
} else {
  write.csv(reg, "poussins_regimes.csv", row.names = FALSE)
}
cat("\nrégimes 1 et 2 :", nrow(reg), "mesures,", length(unique(reg$poussin)), "poussins\n")
m1 <- lm(weight ~ regime2 + Time, data = reg)
montrer(coef_test(m1, vcov = "CR2", cluster = reg$poussin, test = "Satterthwaite"),
        conf_int(m1, vcov = "CR2", cluster = reg$poussin, test = "Satterthwaite"))

## 2. Poussins 1 à 8 (poussins.csv, écrit par mancl_derouen.R) : weight ~ Time, 8 grappes.
pou <- read.csv("poussins.csv")
m2 <- lm(weight ~ Time, data = pou)
cat("\npoussins 1 à 8 :", nrow(pou), "mesures\n")
montrer(coef_test(m2, vcov = "CR2", cluster = pou$poussin, test = "Satterthwaite"),
        conf_int(m2, vcov = "CR2", cluster = pou$poussin, test = "Satterthwaite"))

## 3. Admissions à Berkeley (datasets::UCBAdmissions, 4526 candidats, 6 départements) :
##    glm(admis ~ Gender, binomial), CR3, t à G - 1 = 5 ddl (test = "naive-t").
ucb <- as.data.frame(UCBAdmissions)
ind <- ucb[rep(seq_len(nrow(ucb)), ucb$Freq), c("Admit", "Gender", "Dept")]
ind$admis <- as.integer(ind$Admit == "Admitted")
logit <- glm(admis ~ Gender, family = binomial, data = ind,
             control = glm.control(epsilon = 1e-14, maxit = 100))
cat("\nUCBAdmissions, CR3, naive-t\n")
montrer(coef_test(logit, vcov = "CR3", cluster = ind$Dept, test = "naive-t"),
        conf_int(logit, vcov = "CR3", cluster = ind$Dept, test = "naive-t"))

# ---------------------------------------------------------------------------
# Sortie obtenue (Debian bookworm, R 4.2.2, clubSandwich 0.5.8) :
#
# R version 4.2.2 Patched (2022-11-10 r83330)
# clubSandwich 0.5.8
#
# régimes 1 et 2 : 340 mesures, 30 poussins
#        terme        estimation        erreur_type                 t              ddl                    p
#  (Intercept) 24.34755285258651  5.193429434909693  4.68814550341722 26.9450089819631 7.07355747217339e-05
#      regime2 16.72294704664528 11.310596611947775  1.47852033101245 18.7172457309187 1.55900712361835e-01
#         Time  7.46987787182611  0.672672026581551 11.10478446649142 27.9718223918322 9.18361941598740e-12
#             ic_bas          ic_haut
#  13.69049817390253 35.0046075312705
#  -6.97463202171991 40.4205261150105
#   6.09190915217382  8.8478465914784
#
# poussins 1 à 8 : 95 mesures
#        terme       estimation       erreur_type                t             ddl                    p
#  (Intercept) 26.1575258720191 4.420919538562273 5.91676135334636 6.9980001660008 5.90064778329698e-04
#         Time  8.3476485317996 0.899044750556629 9.28502004670099 6.9679292767235 3.58252644214596e-05
#             ic_bas          ic_haut
#  15.70310668467318 36.6119450593650
#   6.21976036312394 10.4755367004753
#
# UCBAdmissions, CR3, naive-t
#         terme         estimation       erreur_type                  t ddl                 p            ic_bas
#   (Intercept) -0.220134018863790 0.460852470754588 -0.477667003723227   5 0.653038261175642 -1.40479300909365
#  GenderFemale -0.610352376146408 0.303168421677668 -2.013245221150837   5 0.100230347678878 -1.38967161404955
#            ic_haut
#  0.964524971366070
#  0.168966861756737
